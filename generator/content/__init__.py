"""Content: finding posts in every format, front matter, Markdown."""
