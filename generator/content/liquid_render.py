"""One post's Liquid rendering: an environment with Jekyll's tags (liquid_tags.py) and filters
(liquid_filters.py) over the site, what it collects while it renders, and its errors and
warnings as diagnostics at the post's line.

Imported only when a post uses Liquid (python-liquid costs ~0.4 s to load).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from liquid import Environment, Undefined
from liquid.exceptions import LiquidError, LiquidSyntaxError
from liquid.token import TOKEN_TAG, Token

from ..errors import Diagnostic
from ..models import Document
from .liquid import LiquidSite, problem_at
from .liquid_filters import add_jekyll_filters
from .liquid_tags import HighlightTag, IncludeTag, JourneyLiquidError, LinkTag, PostUrlTag

Highlight = Callable[[str, str], str]  # (code, language) → the HTML journey gives a fenced block


class Renderer:
    """One post's Liquid rendering: an environment with Jekyll's tags and filters over `site`,
    and what the rendering collected (highlighted blocks, their code, undefined variables)."""

    def __init__(self, site: LiquidSite, highlight: Highlight, *, block: str) -> None:
        self.site, self.highlight, self.block = site, highlight, block
        self.blocks: list[str] = []
        self.code: list[str] = []
        self.undefined: list[tuple[str, Token]] = []
        self.included: dict[str, Any] = {}  # include name → its parsed template (an include in a loop parses once)
        self.env = _environment(self)

    def render(self, source: str, *, page: dict[str, Any]) -> str:
        template = self.env.from_string(source)
        return template.render(site=self.site.site, page=page)

    def place(self, markup: str, code: str, lines: int, indent: str) -> str:
        """A placeholder for a highlighted block, on a line of its own (indented as the tag was,
        so that it stays in its list item) when the block had lines of its own, with as many line
        breaks as the block had (later lines keep their numbers)."""
        self.blocks.append(markup)
        self.code.append(code)
        marker = self.block.format(len(self.blocks) - 1)
        return f"\n{indent}{marker}\n" + "\n" * (lines - 2) if lines >= 2 else marker

    def diagnostic(self, exc: LiquidError, source: str, document: Document) -> Diagnostic:
        token = exc.token
        message = _message(exc, self.env)
        if token is None or token.start_index < 0:  # python-liquid names the end of the text, not the opening
            parsed = next((text for shown, text in self.site.includes.values() if shown == exc.template_name), source)
            token = _unclosed(self.env, parsed) or token
            if token is not None and token.start_index >= 0:
                message = f"'{token.value}' is never closed: expected 'end{token.value}'"
        if token is None or token.start_index < 0:
            return problem_at(document, self.site, source, source, 0, message)
        return problem_at(document, self.site, source, token.source, token.start_index, message)

    def undefined_warnings(self, source: str, document: Document) -> list[Diagnostic]:
        """A warning per undefined variable printed (once per place, even when printed in a loop)."""
        found = (problem_at(document, self.site, source, token.source, token.start_index,
                            f"Liquid variable '{name}' is undefined (Jekyll prints nothing)", severity="warning")
                 for name, token in self.undefined)
        return list(dict.fromkeys(found))


def _message(exc: LiquidError, env: Environment) -> str:
    text = str(exc.message)
    if isinstance(exc, LiquidSyntaxError) and text.startswith("unexpected tag '"):
        name = text.removeprefix("unexpected tag '").removesuffix("'")
        if name.startswith("end") and name[3:] in env.tags:
            return f"'{name}' without an opening '{name[3:]}'"
        if name in _INNER_TAGS:
            return f"'{name}' outside the '{_INNER_TAGS[name]}' block it belongs to"
        return f"unknown Liquid tag '{name}'"
    if isinstance(exc, JourneyLiquidError):
        return text
    return f"Liquid: {text}"


_INNER_TAGS = {"else": "if", "elsif": "if", "when": "case"}  # parts of a block, not tags of their own


def _unclosed(env: Environment, source: str) -> Token | None:
    """The innermost block tag of `source` left open (python-liquid reports its end only)."""
    open_tags: list[Token] = []
    for token in env.tokenizer()(source):
        if token.kind != TOKEN_TAG:
            continue
        tag = env.tags.get(token.value)
        if tag is not None and tag.block and getattr(tag, "end", ""):
            open_tags.append(token)
        elif open_tags and token.value == "end" + open_tags[-1].value:
            open_tags.pop()
    return open_tags[-1] if open_tags else None


def _environment(renderer: Renderer) -> Environment:
    class Recorded(Undefined):
        """Jekyll prints an undefined variable as nothing; journey also says so."""

        def __str__(self) -> str:
            if self.token is not None:
                name = (self.hint or self.name).removesuffix(" is undefined").strip("'")
                renderer.undefined.append((name, self.token))
            return ""

    env = Environment(undefined=Recorded)
    env.renderer = renderer  # type: ignore[attr-defined]
    for name in ("include", "render"):
        env.tags.pop(name, None)  # Jekyll's include takes a file of _includes/ and key=value params
    for tag in (HighlightTag, IncludeTag, PostUrlTag, LinkTag):
        env.add_tag(tag)
    add_jekyll_filters(env, renderer.site)
    return env
