"""Jekyll's Liquid tags on python-liquid: highlight, include, post_url and link (its URL and
date filters are liquid_filters.py's; the environment they make up, liquid_render.py's).

Imported only when a post uses Liquid (python-liquid costs ~0.4 s to load).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from liquid import Environment
from liquid.ast import BlockNode, Node
from liquid.builtin.expressions import parse_primitive
from liquid.builtin.expressions._tokenize import tokenize
from liquid.exceptions import LiquidSyntaxError
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

from .liquid import LiquidSite, unmask

if TYPE_CHECKING:
    from .liquid_render import Renderer


class JourneyLiquidError(LiquidSyntaxError):
    """A problem journey's tags find (a syntax error, for python-liquid to pass on as it is);
    its message is the diagnostic's, word for word."""


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

