"""A post's citations and cross-references, from its Markdown to its finished HTML.

`begin` gives the `Scholar` a post's Markdown rendering fills (keys cited, labels defined,
references made); `finish` numbers the labels of the whole post, notebook outputs included,
resolves the references and appends the reference list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Diagnostic
from ..models import Post
from .citations import Bibliography, load_bibliography
from .crossref import number_labels


@dataclass
class Scholar:
    """What rendering one post's Markdown found: the keys it cites, in order, the labels it
    defines (label → line) and its cross-references (label, line, col)."""

    bibliography: Bibliography | None
    cited: list[str] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    references: list[tuple[str, int, int]] = field(default_factory=list)


def begin(post: Post) -> tuple[Scholar | None, list[Diagnostic]]:
    """The post's scholar, or None with the errors of its `.bib` files."""
    if not post.bibliography:
        return Scholar(None), []
    bibliography, problems = load_bibliography(post.bibliography)
    return (Scholar(bibliography) if bibliography is not None else None), problems


def finish(scholar: Scholar, html: str, path: str) -> tuple[str, list[Diagnostic]]:
    """The post's HTML with numbered labels, linked references and, if it cites, its reference list."""
    html, problems = number_labels(html, scholar.references, path)
    if scholar.cited and scholar.bibliography is not None:
        html += scholar.bibliography.reference_list(scholar.cited)
    return html, problems


def references_markdown(scholar: Scholar) -> str:
    """The reference list as Markdown, for the post's Markdown copy ('' when it cites nothing)."""
    if not scholar.cited or scholar.bibliography is None:
        return ""
    return "## References\n\n" + scholar.bibliography.reference_text(scholar.cited) + "\n"
