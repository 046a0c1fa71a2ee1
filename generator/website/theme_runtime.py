"""How Jinja runs the theme: an environment and a template class that give a page the same
bytes as Jinja's own, without three costs every page paid for and used nothing of."""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

try:  # MarkupSafe's escaping without its Markup wrapper: the C one, else the Python one
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - a platform without the extension
    from markupsafe._native import _escape_inner


class Template(jinja2.Template):
    """A template whose output escapes give plain strings. Jinja compiles each `{{ value }}` to
    `escape(value)`, whose Markup result only ever joins the page's other pieces; making that
    Markup (a Python-level `__new__`) was a sixth of a page's time. Filters, macros, `set`
    blocks and `~` still make Markup as Jinja does, so a page's bytes are the same."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: Any, globals: Any) -> Any:
        namespace["escape"] = output_escape
        return super()._from_namespace(environment, namespace, globals)


def output_escape(value: Any) -> str:
    """What `markupsafe.escape` gives, as a plain string."""
    if type(value) is str:
        return _escape_inner(value)
    if type(value) is Markup:  # its own __html__
        return value
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


class ThemeEnvironment(jinja2.Environment):
    """Jinja's environment, making `Template`s. A template's globals are a dict of the
    environment's (Jinja's own are a ChainMap over them, which each of a page's four contexts
    iterated: a sixth of a page's time): journey sets its globals before the first template
    loads and never after. A template is looked up by name in a dict of those loaded (Jinja's
    LRU cache takes a lock per `{% include %}`); with `auto_reload` off, Jinja's own cache does
    not look at the file again either. The trees of the templates it compiled are kept (`parsed`)."""

    template_class = Template

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._loaded: dict[str, jinja2.Template] = {}
        self.parsed: dict[str, jinja2.nodes.Template] = {}  # each template compiled here, as parsed

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        """Parse a template, keeping its tree for the page fingerprints' analysis of which
        templates read `site` (pages.py): parsing the theme again cost a first build ~35 ms."""
        tree = super()._parse(source, name, filename)
        if name is not None:
            self.parsed[name] = tree
        return tree

    def make_globals(self, d: Any) -> Any:
        return {**self.globals, **(d or {})}

    def _load_template(self, name: str, globals: Any) -> jinja2.Template:
        if globals or self.auto_reload:
            return super()._load_template(name, globals)
        template = self._loaded.get(name)
        if template is None:
            template = self._loaded[name] = super()._load_template(name, globals)
        return template
