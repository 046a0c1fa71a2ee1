"""Jekyll's Liquid tags and filters on python-liquid: highlight, include, post_url, link, URL and date filters.

Imported only when a post uses Liquid (python-liquid costs ~0.4 s to load).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from liquid import Environment, Undefined
from liquid.ast import BlockNode, Node
from liquid.builtin.expressions import parse_primitive
from liquid.builtin.expressions._tokenize import tokenize
from liquid.exceptions import LiquidError, LiquidSyntaxError
from liquid.parser import get_parser
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.token import (
    TOKEN_ASSIGN,
    TOKEN_COLON,
    TOKEN_COMMA,
    TOKEN_EOF,
    TOKEN_EXPRESSION,
    TOKEN_TAG,
    TOKEN_WORD,
    Token,
)

from ..errors import Diagnostic
from ..models import Document
from .liquid import LiquidSite, problem_at, unmask
from .liquid_filters import add_jekyll_filters

Highlight = Callable[[str, str], str]  # (code, language) → the HTML journey gives a fenced block


class JourneyLiquidError(LiquidSyntaxError):
    """A problem journey's tags find (a syntax error, for python-liquid to pass on as it is);
    its message is the diagnostic's, word for word."""


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


def _renderer(context: Any) -> Renderer:
    return context.env.renderer


def _argument(stream: TokenStream, tag: Token, what: str, *, eat: bool = False) -> tuple[str, Token]:
    """The tag's argument as written (a file name, a post name). A block tag `eat`s it; a lone
    tag leaves it current, for the parser to step over."""
    expression = stream.current
    if expression.kind != TOKEN_EXPRESSION or not expression.value.strip():
        raise JourneyLiquidError(f"'{tag.value}' needs {what}", token=tag)
    if eat:
        next(stream)
    return expression.value.strip(), expression


class HighlightNode(Node):
    def __init__(self, token: Token, language: str, linenos: bool, block: BlockNode, lines: int) -> None:
        super().__init__(token)
        self.language, self.linenos, self.block, self.lines = language, linenos, block, lines
        source, opening = token.source, token.source.rfind("{%", 0, token.start_index)
        before = source[source.rfind("\n", 0, opening) + 1 : opening]
        self.indent = before if not before.strip() else ""
        self.blank = False

    def render_to_output(self, context: Any, buffer: TextIO) -> int:
        inner = context.get_buffer(buffer)
        self.block.render(context, inner)
        code = _code(unmask(inner.getvalue()), self.indent)
        renderer = _renderer(context)
        markup = renderer.highlight(code, self.language)
        if self.linenos:
            numbers = "\n".join(str(n) for n in range(1, code.count("\n") + 1))
            markup = ('<table class="highlighttable"><tr><td class="linenos">'
                      '<pre class="lineno" style="margin:0;padding:.85rem .5rem;line-height:1.5;text-align:right">'
                      f'{numbers}</pre></td><td class="code">{markup.rstrip()}</td></tr></table>\n')
        return buffer.write(renderer.place(markup, code, self.lines, self.indent))


def _code(text: str, indent: str) -> str:
    """A highlight block's code: without the blank lines around it (as Jekyll does) and, for a
    block indented into a list item, without the item's indentation."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "".join(line.removeprefix(indent) + "\n" for line in lines)


class HighlightTag(Tag):
    """`{% highlight LANG [linenos] %}…{% endhighlight %}`: the HTML of a fenced block of LANG."""

    name = "highlight"
    end = "endhighlight"

    def parse(self, stream: TokenStream) -> Node:
        token = stream.eat(TOKEN_TAG)
        words, _ = _argument(stream, token, "a language", eat=True)
        language, *options = words.split()
        if any(option not in ("linenos", "linenos=table", "linenos=inline") for option in options):
            raise JourneyLiquidError(f"'highlight' takes a language and 'linenos', got '{words}'", token=token)
        block = get_parser(self.env).parse_block(stream, (self.end,))
        if stream.current.kind == TOKEN_EOF:
            raise JourneyLiquidError("'highlight' is never closed: expected 'endhighlight'", token=token)
        closing = stream.expect(TOKEN_TAG, value=self.end)
        lines = token.source.count("\n", token.start_index, closing.start_index)
        return HighlightNode(token, language, bool(options), block, lines)


class IncludeNode(Node):
    def __init__(self, token: Token, name: str, where: Token, params: list[tuple[str, Any]]) -> None:
        super().__init__(token)
        self.name, self.where, self.params = name, where, params
        self.blank = False

    def render_to_output(self, context: Any, buffer: TextIO) -> int:
        renderer = _renderer(context)
        found = renderer.site.includes.get(self.name)
        if found is None:
            raise JourneyLiquidError(f"no include '{self.name}' in _includes/", token=self.where)
        template = renderer.included.get(self.name)
        if template is None:
            template = renderer.included[self.name] = context.env.from_string(found[1], name=self.name, path=found[0])
        params = {name: value.evaluate(context) for name, value in self.params}
        with context.extend({"include": params}, template=template):
            template.render_with_context(context, buffer, partial=True)
        return True


class IncludeTag(Tag):
    """`{% include NAME key=value … %}`: a file of `_includes/`, its params as `include.key`."""

    name = "include"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token = stream.eat(TOKEN_TAG)
        text, expression = _argument(stream, token, "a file name")
        name, _, rest = text.partition(" ")
        if "{{" in name or name.startswith(("'", '"')):
            raise JourneyLiquidError("'include' takes a file name of _includes/, not a variable or a string",
                                     token=token)
        offset = expression.value.index(name) + len(name)
        inner = Token(TOKEN_EXPRESSION, rest, start_index=expression.start_index + offset, source=expression.source)
        return IncludeNode(token, name, expression, _params(self.env, TokenStream(tokenize(rest, parent_token=inner))))


def _params(env: Environment, tokens: TokenStream) -> list[tuple[str, Any]]:
    """Jekyll's `key=value key2="text"` (commas and `:` accepted too)."""
    params = []
    while tokens.current.kind != TOKEN_EOF:
        if tokens.current.kind == TOKEN_COMMA:
            next(tokens)
            continue
        tokens.expect(TOKEN_WORD)
        name = next(tokens)
        tokens.eat_one_of(TOKEN_ASSIGN, TOKEN_COLON)
        params.append((name.value, parse_primitive(env, tokens)))
    return params


class _UrlNode(Node):
    def __init__(self, token: Token, name: str, where: Token, tag: _UrlTag) -> None:
        super().__init__(token)
        self.name, self.where, self.tag = name, where, tag
        self.blank = False

    def render_to_output(self, context: Any, buffer: TextIO) -> int:
        site = _renderer(context).site
        found = self.tag.find(site, self.name)
        if found is None:
            raise JourneyLiquidError(f"{self.tag.name}: {self.tag.missing.format(self.name)}", token=self.where)
        return buffer.write(site.url(found))


class _UrlTag(Tag):
    """A tag that names one post and is replaced by its URL."""

    block = False
    argument = ""  # what the tag's one argument is, for its error message
    missing = ""  # the error when no post answers to it ({} is the argument)

    def find(self, site: LiquidSite, name: str) -> Any:
        raise NotImplementedError

    def parse(self, stream: TokenStream) -> Node:
        token = stream.eat(TOKEN_TAG)
        name, where = _argument(stream, token, self.argument)
        return _UrlNode(token, name, where, self)


class PostUrlTag(_UrlTag):
    """`{% post_url 2011-04-27-name %}` (or `sub/2011-04-27-name`): that post's URL."""

    name = "post_url"
    argument = "a post's file name"
    missing = "no published post '{}'"

    def find(self, site: LiquidSite, name: str) -> Any:
        return site.posts.get(name.removesuffix(".md"))


class LinkTag(_UrlTag):
    """`{% link posts/2011-04-27-name.md %}`: the URL of the post at that path (from the blog root)."""

    name = "link"
    argument = "a post's path"
    missing = "no published post at '{}'"

    def find(self, site: LiquidSite, name: str) -> Any:
        return site.files.get(name.lstrip("/"))

