"""Redirect pages: the static pages that send a post's old URLs (`redirect_from`, `aliases`) on to it."""

from __future__ import annotations

from html import escape

from ..errors import error
from .assemble import Site
from .write import Staging


def redirect_pages(site: Site, staging: Staging) -> None:
    """A static page at each old path a post names (`redirect_from`, `aliases`) that sends the
    reader on to the post, as jekyll-redirect-from writes them. One that would take the place
    of a page, a file or another redirect is an error naming both."""
    config = site.config
    for item in sorted(site.posts, key=lambda item: item.post.display_path):
        post = item.post
        for path in post.redirects:
            taken = staging.origins.get(path)
            if taken is not None:
                staging.problems.append(error(post.display_path, 1, 1, f"the redirect from /{path.removesuffix('index.html')} "
                                              f"would replace the file {path} that {taken} writes"))
                continue
            staging.add(path, redirect_page(config.url(post.url_path), config.absolute_url(post.url_path),
                                            config.language), post.display_path)


def redirect_page(target: str, canonical: str, language: str) -> str:
    """The HTML of a redirect to `target` (root-relative), `canonical` its absolute URL."""
    href = escape(target)
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Redirecting…</title>\n"
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        f'<meta http-equiv="refresh" content="0; url={href}">\n'
        f'<meta name="robots" content="noindex">\n</head>\n<body>\n'
        f'<h1>Redirecting…</h1>\n<p><a href="{href}">Click here if you are not redirected.</a></p>\n'
        f"</body>\n</html>\n"
    )
