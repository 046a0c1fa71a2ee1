"""Jinja2 pages: the theme's environment, fingerprinted assets and template diagnostics."""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from ..config import SiteConfig, theme_dirs
from ..errors import Diagnostic, error
from ..files import display_path
from .syntax_css import SYNTAX_STYLES
from .theme_runtime import ThemeEnvironment


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What every page's templates read as `page`: its title, description and site path. A class,
    not a dict: Jinja looks an attribute up before an item, and a dict's `page.title` raised and
    caught an AttributeError each time (a dozen per page). `page["title"]` still works: Jinja
    looks an item up as an attribute when the object has no items."""

    title: str
    description: str
    path: str


@dataclass(frozen=True)
class Asset:
    """A theme file published under a content-hashed name."""

    name: str  # e.g. "style.css"
    path: str  # site path, e.g. "assets/style.3f2a9c1b.css"
    data: bytes


def collect_assets(config: SiteConfig, syntax_css: Callable[[str], bytes] | None = None) -> dict[str, Asset]:
    """Theme static files plus the Pygments stylesheets, fingerprinted. `syntax_css(style)` makes
    a stylesheet (default: `pygments_stylesheet`; a rebuild passes one that remembers them)."""
    make = syntax_css or pygments_stylesheet
    sources: dict[str, bytes] = {}
    for folder in reversed(theme_dirs(config)):  # the blog's own files win
        static = folder / "static"
        if static.is_dir():
            for file in sorted(p for p in static.rglob("*") if p.is_file()):
                data = file.read_bytes()
                sources[file.relative_to(static).as_posix()] = _minified(file.suffix, data)
    # Light and dark token colours in one file (syntax_css.py); the theme's code surface is the background.
    sources["syntax.css"] = make(SYNTAX_STYLES)
    return {name: _fingerprint(name, data) for name, data in sorted(sources.items())}




def pygments_stylesheet(style: str) -> bytes:
    """The stylesheet of one Pygments style, or of a light+dark pair of them."""
    if "+" in style:
        from .syntax_css import paired_css

        light, dark = style.split("+", 1)
        return minify_css(paired_css(pygments_css(light), pygments_css(dark)).encode("utf-8"))
    return pygments_css(style).encode("utf-8")


def pygments_css(style: str) -> str:
    """The Pygments token rules of one style."""
    from pygments.formatters import HtmlFormatter  # only when the stylesheet is made anew

    rules = HtmlFormatter(style=style, cssclass="highlight").get_style_defs(".highlight")
    # Only the token rules (no line numbers here), without token-name comments: half the bytes.
    kept = (_CSS_TOKEN_COMMENT.sub("", r) for r in rules.splitlines() if r.startswith(".highlight"))
    return "\n".join(kept) + "\n"


_CSS_TOKEN_COMMENT = re.compile(r"\s*/\*.*?\*/")


def minify_css(data: bytes) -> bytes:
    """Comments and layout whitespace out of a stylesheet (every page loads it: the 60 KB budget),
    by rcssmin, which tokenizes CSS. rcssmin also takes the spaces out of a quoted `url("a b.png")`,
    which names another file: a stylesheet whose strings would not come out intact is left as
    written, so minifying never changes what a stylesheet means."""
    import rcssmin  # only when a stylesheet is minified anew

    minified = rcssmin.cssmin(data)
    return minified + b"\n" if _css_strings(minified) == _css_strings(data) else data


def _css_strings(css: bytes) -> list[bytes]:
    """The quoted strings of a stylesheet, outside comments; a backslash-newline continues one."""
    return [m.group().replace(b"\\\n", b"") for m in _CSS_TOKENS.finditer(css) if not m.group().startswith(b"/*")]


_CSS_TOKENS = re.compile(rb'/\*.*?\*/|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', re.DOTALL)


def _minified(suffix: str, data: bytes) -> bytes:
    return minify_css(data) if suffix == ".css" else minify_js(data) if suffix == ".js" else data


def minify_js(data: bytes) -> bytes:
    """Comment lines, indentation and blank lines out of a script (the 60 KB budget). Conservative:
    only whole `//` comment lines go, so strings and regular expressions are never touched; a
    script with a template literal (whose lines are its text) is left as it is."""
    text = data.decode("utf-8")
    if "`" in text:
        return data
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")).encode("utf-8") + b"\n"


def _fingerprint(name: str, data: bytes) -> Asset:
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, dot, suffix = name.rpartition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
    return Asset(name, f"assets/{hashed}", data)


def settings_digest(config: SiteConfig, assets: Mapping[str, Asset]) -> str:
    """What every page depends on besides its own data and its templates: the settings and the
    theme's assets (their names carry their content hashes)."""
    settings = sorted((f.name, getattr(config, f.name)) for f in fields(config))  # not vars(): cached properties
    digest = hashlib.sha256(repr(settings).encode("utf-8"))
    for asset in assets.values():
        digest.update(asset.path.encode("utf-8"))
    return digest.hexdigest()


def templates_digest(config: SiteConfig) -> str:
    """Every file of the theme folders (the blog's `templates/` over the default theme)."""
    digest = hashlib.sha256()
    for folder in theme_dirs(config):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.as_posix().encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def create_environment(
    config: SiteConfig, assets: Mapping[str, Asset], *, bytecode_cache: jinja2.BytecodeCache | None = None
) -> jinja2.Environment:
    """Autoescaping, strict undefined, the blog's templates over the default theme; with
    `bytecode_cache`, compiled templates are reused (Jinja checks each against its source)."""
    def asset(name: str) -> str:
        if name not in assets:
            raise jinja2.TemplateRuntimeError(f"unknown theme asset '{name}'")
        return config.url(assets[name].path)

    url, absolute_url = config.url, config.absolute_url

    class Context(jinja2.runtime.Context):
        """Calls journey's own globals straight: every page calls them a dozen times and Jinja's
        `call` asks each whether it wants the context passed in. They do not, and never raise
        StopIteration, so what a page gets is the same."""

        def call(self, obj: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
            if obj is url or obj is asset or obj is absolute_url:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
                return obj(*args, **kwargs)
            return super().call(obj, *args, **kwargs)

    env = ThemeEnvironment(
        loader=jinja2.FileSystemLoader([str(d) for d in theme_dirs(config)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # one build reads each template once; no stat() per page
        bytecode_cache=bytecode_cache,
    )
    env.context_class = Context
    env.globals.update(url=url, absolute_url=absolute_url, asset=asset, config=config)
    env.filters["isodate"] = lambda moment: moment.isoformat()
    env.filters["longdate"] = longdate
    return env


def compile_theme(env: jinja2.Environment, *, then: Callable[[], None]) -> None:
    """Compile every template of the theme now (the default theme's 18: ~90 ms), in this
    process while render workers are busy, so the page workers it forks later inherit them
    rather than each compiling its own; `then()` afterwards, whatever happens (the build
    commits the bytecode stored meanwhile: a write left open would hold the workers' back)."""
    try:
        for name in env.list_templates(filter_func=lambda name: name.endswith((".html", ".xml"))
                                       and not name.startswith("static/")):
            try:
                env.get_template(name)
            except (jinja2.TemplateError, ValueError, OSError):  # said by the page that uses it, if one does
                continue
    finally:
        then()


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def longdate(moment: date) -> str:
    """`March 4, 2021`: what `%B` gives in the C locale, which a build keeps, without strftime
    (a listing page shows ten dates, the posts' pages one each: 1.5 µs apiece, 5 % of a page)."""
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def has_template(env: jinja2.Environment, name: str) -> bool:
    """Whether the theme has `name`; one with a syntax error counts, so rendering reports it."""
    try:
        env.get_template(name)
    except jinja2.TemplateNotFound:
        return False
    except jinja2.TemplateSyntaxError:
        return True
    return True


def render_page(
    env: jinja2.Environment, template: str, context: dict[str, Any], origin: str
) -> tuple[str, list[Diagnostic]]:
    """Render one page; a template problem becomes a diagnostic at the template's line."""
    try:
        return env.get_template(template).render(context), []
    except jinja2.TemplateSyntaxError as exc:
        where = display_path(Path(exc.filename)) if exc.filename else template
        return "", [error(where, exc.lineno or 0, 0, f"template syntax error: {exc.message}")]
    except jinja2.TemplateNotFound as exc:
        # Point at the {% include %} or {% extends %} that names it, when a template does.
        where, line = _template_frame(exc)
        return "", [error(where or origin, line, 0, f"unknown template '{exc.name}'")]
    except (jinja2.UndefinedError, jinja2.TemplateRuntimeError, TypeError, ValueError) as exc:
        where, line = _template_frame(exc)
        return "", [error(where or template, line, 0, f"template error: {exc} (rendering {origin})")]


def _template_frame(exc: BaseException) -> tuple[str, int]:
    """The innermost template file and line in a Jinja traceback."""
    found = ("", 0)
    tb = exc.__traceback__ or sys.exc_info()[2]
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".j2")):
            found = (display_path(Path(name)), tb.tb_lineno)
        tb = tb.tb_next
    return found
