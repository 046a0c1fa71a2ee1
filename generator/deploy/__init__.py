"""Deploying: checking the built site, the Pages preflight, publishing to a branch."""
