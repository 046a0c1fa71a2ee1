"""Notebooks: execution, kernels, the freeze store, notebook HTML, embedding in posts."""
