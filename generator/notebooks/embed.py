"""One post's notebooks while its Markdown renders: shortcodes, the appended notebooks, the files
beside the post and the run cards."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..config import SiteConfig
from ..errors import Diagnostic, warning
from ..models import Post
from .conventions import without_front_matter
from .linked_images import linked_images
from .nbtext import source_text
from .presentation import Presentation
from .to_html import RenderedCell, RenderedNotebook, render_notebook
from .widgets import page_state

if TYPE_CHECKING:
    from .executed import ExecutedNotebook


class ShortcodeError(Exception):
    """A bad value/notebook/cell/output shortcode; markdown.py turns it into a diagnostic."""


@dataclass(frozen=True)
class _Shown:
    executed: ExecutedNotebook
    rendered: RenderedNotebook
    download: str  # file name of the executed .ipynb beside the post


class PostNotebooks:
    """One post's notebooks while its Markdown renders: shortcodes, the appended notebooks,
    the files to write beside the post and the run cards. Holds only plain data."""

    def __init__(
        self,
        post: Post,
        executed: Sequence[ExecutedNotebook],
        config: SiteConfig,
        *,
        markdown: Callable[[str], str] | None = None,
    ) -> None:
        self.config = config
        render_md = markdown or _markdown_renderer(config.base_path)
        highlight = _highlighter()
        names: set[str] = set()
        self._notebooks: list[_Shown] = []
        self._problems: list[Diagnostic] = []
        self.own_markdown = ""  # an .ipynb post's Markdown cells, for its outline
        for number, found in enumerate(executed, start=1):
            prefix = "" if number == 1 else f"nb{number}-"
            own = found.request.notebook == post.source.resolve()  # an .ipynb post: its front matter is not shown
            data = without_front_matter(found.data) if own else found.data
            if own:
                self.own_markdown = "\n\n".join(
                    source_text(c) for c in data["cells"] if c.get("cell_type") == "markdown" and source_text(c).strip()
                )
            linked = linked_images(data, found.request.notebook, config.root)
            rendered = render_notebook(
                data, markdown=render_md, highlight=highlight, id_prefix=prefix, linked=linked.files,
                presentation=_presentation(post, config),
            )
            self._notebooks.append(
                _Shown(found, rendered, _unique(found.request.notebook.stem, names))
            )
            shown = post.display_path if own else found.display_path
            self._problems += [
                warning(shown, line, 1, f"{message} (cell {cell})")
                for cell, line, message in (*linked.problems, *rendered.problems)
            ]
        self._whole: set[int] = set()
        self._parts = False

    def shortcode(self, name: str, args: list[str], kwargs: dict[str, str]) -> str:
        """HTML for value / notebook / cell / output; ShortcodeError when it cannot be met."""
        if name == "value":
            return self._value(args, kwargs)
        if name == "notebook":
            index = self._index(args[0] if args else kwargs.get("n", "1"))
            self._whole.add(index)
            return self._notebooks[index].rendered.html
        if name in ("cell", "output"):
            self._parts = True
            cells = self._cells(kwargs)
            return "".join(c.cell_html if name == "cell" else c.output_html for c in cells)
        raise ShortcodeError(f"unknown shortcode '{name}' (known: cell, notebook, output, value)")

    def trailing_html(self) -> str:
        """The notebooks the post did not place; none when it placed only cells or outputs."""
        if self._parts and not self._whole:
            return ""
        return "".join(
            nb.rendered.html for i, nb in enumerate(self._notebooks) if i not in self._whole
        )

    def widget_state(self, page_html: str) -> str:
        """The widget-state script for the widget views `page_html` shows ('' when it shows none)."""
        models: dict[str, Any] = {}
        for nb in self._notebooks:
            models.update(nb.rendered.widgets)
        return page_state(page_html, models)

    def files(self) -> list[tuple[str, bytes]]:
        """(name beside the post, bytes): extracted images and the executed notebooks."""
        found: dict[str, bytes] = {}
        for nb in self._notebooks:
            found.update(nb.rendered.files)
            found[nb.download] = nb.executed.ipynb_bytes
        return sorted(found.items())

    def warnings(self) -> list[Diagnostic]:
        """Problems with the notebooks' conventions: cell options, linked images."""
        return sorted(set(self._problems))

    def run_cards(self) -> list[dict[str, Any]]:
        return [_card(nb, self.config) for nb in self._notebooks]

    def _value(self, args: list[str], kwargs: dict[str, str]) -> str:
        if not args:
            raise ShortcodeError("the value shortcode needs a name: {{< value NAME [FORMAT] >}}")
        values: dict[str, Any] = {}
        for nb in self._notebooks:
            values.update(nb.rendered.values)
        name, spec = args[0], args[1] if len(args) > 1 else kwargs.get("format", "")
        if name not in values:
            hint = (
                f"known values: {', '.join(sorted(values))}"
                if values
                else "the post's notebooks publish none; publish one with glue(name, value)"
            )
            raise ShortcodeError(f"unknown notebook value '{name}' ({hint})")
        try:
            return html.escape(format(values[name], spec))
        except (TypeError, ValueError) as exc:
            kind = type(values[name]).__name__
            raise ShortcodeError(
                f"cannot format value '{name}' ({kind}) with '{spec}': {exc}"
            ) from None

    def _index(self, text: str) -> int:
        count = len(self._notebooks)
        if not text.isdigit() or not 1 <= int(text) <= count:
            raise ShortcodeError(
                f"no notebook {text}: this post has {count} notebook{'s' * (count != 1)}"
            )
        return int(text) - 1

    def _cells(self, kwargs: dict[str, str]) -> list[RenderedCell]:
        pool = self._notebooks
        if "notebook" in kwargs:
            pool = [self._notebooks[self._index(kwargs["notebook"])]]
        cells = [c for nb in pool for c in nb.rendered.cells]
        if "tag" in kwargs:
            found = [c for c in cells if kwargs["tag"] in c.tags]
            known = sorted({t for c in cells for t in c.tags})
            what, wanted = "tag", kwargs["tag"]
        elif "id" in kwargs:
            found = [c for c in cells if c.id == kwargs["id"]]
            known, what, wanted = [c.id for c in cells], "id", kwargs["id"]
        else:
            raise ShortcodeError("cell and output shortcodes need tag=NAME or id=CELLID")
        if not found and kwargs.get("optional") == "yes":
            return []  # an executable post's chunk that renders to nothing (a removed cell)
        if not found:
            listed = ", ".join(known) if known else "none"
            raise ShortcodeError(
                f"no notebook cell with {what} '{wanted}' (known {what}s: {listed})"
            )
        return found


def _unique(stem: str, taken: set[str]) -> str:
    name, n = f"{stem}.ipynb", 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}.ipynb"
    taken.add(name)
    return name


def _card(nb: _Shown, config: SiteConfig) -> dict[str, Any]:
    info = nb.executed.run_info
    packages = info.get("packages", {})
    return {
        "notebook": nb.executed.display_path,
        "download": nb.download,
        "cache_key": nb.executed.cache_key,
        "cache_key_short": nb.executed.cache_key[:12],
        "from_cache": nb.executed.from_cache,
        "python": info.get("python", ""),
        "packages": sorted(
            (name, packages[name]) for name in config.key_packages if name in packages
        ),
        "device": info.get("device", "CPU"),
        "params": sorted(info.get("params", {}).items()),
        "wall_time_s": info.get("wall_time_s", 0.0),
        "kernel": info.get("kernel", ""),
        "saved": info.get("saved", False),
    }


@lru_cache(maxsize=4)
def _markdown_renderer(base_path: str) -> Callable[[str], str]:
    """Markdown cells go through the posts' own Markdown (same math, code, links)."""
    from ..content.markdown import create_markdown, render_markdown

    md = create_markdown()

    def render(text: str) -> str:
        return render_markdown(md, text, path="notebook", first_line=1, base_path=base_path).html

    return render


def _highlighter() -> Callable[[str, str], str]:
    from ..content.highlight import highlight_code

    return highlight_code


def _presentation(post: Post, config: SiteConfig) -> Presentation:
    """How the post's code cells fold, its long cells and outputs are cut and whether its figures
    have dark twins: its `code_fold` and `dark_figures`, else the settings'."""
    dark = config.dark_figures if post.dark_figures is None else post.dark_figures
    return Presentation(post.code_fold or config.code_fold, config.code_lines, config.output_lines, dark)
