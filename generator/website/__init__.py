"""The website: whole-site logic, pages, feeds, search, templates, the atomic writer."""
