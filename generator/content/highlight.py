"""Code blocks highlighted by Pygments, in the classes of the theme's code stylesheet
(website/syntax_css.py): one block's HTML as a function of its language and code."""

from __future__ import annotations

import hashlib
import html
import re
from functools import lru_cache
from typing import Any


HIGHLIGHT_FORMAT = "spans-1"  # bump when highlight_code's HTML changes


def highlight_code(code: str, language: str) -> str:
    """Pygments HTML for a code block: `<div class="highlight"><pre><code>…`. A token whose class
    the code stylesheet has no rule for (plain names and punctuation, in most styles) is written
    as bare text, not a `<span>` that changes nothing: a third of a Python block's bytes."""
    lexer = _lexer(language.lower())
    if lexer is None:
        escaped = html.escape(code)
        return f'<div class="highlight"><pre><span></span><code>{escaped}</code></pre></div>\n'
    from pygments import highlight

    # The formatter writes no such span; the pattern removes any a Pygments without its hook would.
    return _unstyled_spans().sub(r"\1", highlight(code, lexer, _formatter()))


@lru_cache(maxsize=1)
def _bare_classes() -> frozenset[str]:
    """The token classes the code stylesheet has no rule for (light and dark)."""
    from pygments.token import STANDARD_TYPES

    from ..website.syntax_css import SYNTAX_STYLES, paired_css, styled_classes
    from ..website.templates import pygments_css

    light, dark = SYNTAX_STYLES.split("+")
    styled = styled_classes(paired_css(pygments_css(light), pygments_css(dark)))
    return frozenset(c for c in set(STANDARD_TYPES.values()) if c and c not in styled)


@lru_cache(maxsize=1)
def _unstyled_spans() -> re.Pattern[str]:
    bare = sorted(_bare_classes())
    return re.compile(r'<span class="(?:%s)">([^<]*)</span>' % "|".join(map(re.escape, bare)))


def highlight_key(code: str, language: str) -> str:
    """What a highlighted block is a function of: Pygments' version, the language and the code."""
    from pygments import __version__  # the package only, not a lexer: ~2 ms

    return hashlib.sha256(f"{__version__}\0{HIGHLIGHT_FORMAT}\0{language}\0{code}".encode()).hexdigest()


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    bare = _bare_classes()

    class BareTextFormatter(HtmlFormatter):  # type: ignore[misc]
        """A token of a bare class as text, not a span: the HTML the pattern would leave, made
        without the spans and without rewriting the block (highlighting 10 % faster)."""

        def _get_css_classes(self, ttype: Any) -> str:
            classes: str = super()._get_css_classes(ttype)
            return "" if classes in bare else classes

    return BareTextFormatter(cssclass="highlight", wrapcode=True)


@lru_cache(maxsize=128)
def _lexer(language: str) -> Any:
    if not language:
        return None
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None
