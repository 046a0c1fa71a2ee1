"""llms.txt (llmstxt.org): the blog for machines, each post linked to its Markdown copy."""

from __future__ import annotations

from ..content.markdown_copy import copy_path
from .assemble import Site
from .series import series_path


def llms_txt(site: Site) -> str:
    """The blog's title and description, then every post (newest first) and series."""
    config = site.config
    lines = [f"# {config.title}", ""]
    if config.description:
        lines += [f"> {_one_line(config.description)}", ""]
    lines += ["Each post links to a Markdown copy of its page.", "", "## Posts", ""]
    for item in site.posts:
        post = item.post
        about = _one_line(post.description or item.summary)
        lines.append(f"- [{_one_line(post.title)}]({config.absolute_url(copy_path(post.url_path))}): "
                     f"{post.date.date().isoformat()}{'. ' + about if about else ''}")
    if site.series:
        lines += ["", "## Series", ""]
        for series in site.series:
            parts = "; ".join(f"{n}. {_one_line(item.post.title)}" for n, item in enumerate(series.posts, 1))
            lines.append(f"- [{_one_line(series.name)}]({config.absolute_url(series_path(series))}): {parts}")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
