"""The theme of one build: its assets and Jinja environment, made when first asked for, and
compiled whole at most once. Jinja2 loads only then: a one-post rebuild hands its post to the
render worker first (see build.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..config import SiteConfig

if TYPE_CHECKING:
    import jinja2

    from .templates import Asset


class Theme:
    """`compile()` compiles every template in this process while workers are busy (reading and
    rendering a first build's posts, or rendering them), so that the page workers forked later
    inherit them; `then()` runs after it (see templates.compile_theme). `syntax_css` and
    `bytecode_cache()` are the incremental layer's: the stylesheets and compiled templates an
    earlier build stored."""

    def __init__(self, config: SiteConfig, syntax_css: Callable[[str], bytes],
                 bytecode_cache: Callable[[], Any], then: Callable[[], None]) -> None:
        self.config, self.syntax_css, self.bytecode_cache, self.then = config, syntax_css, bytecode_cache, then
        self._made: tuple[dict[str, Asset], jinja2.Environment] | None = None
        self._compiled = False

    def made(self) -> tuple[dict[str, Asset], jinja2.Environment]:
        """(the assets, the environment)."""
        if self._made is None:
            from .templates import collect_assets, create_environment

            assets = collect_assets(self.config, self.syntax_css)
            self._made = assets, create_environment(self.config, assets, bytecode_cache=self.bytecode_cache())
        return self._made

    def compile(self) -> None:
        if not self._compiled:
            from .templates import compile_theme

            self._compiled = True
            compile_theme(self.made()[1], then=self.then)
