"""The theme's compiled Jinja templates and Pygments stylesheets, kept in the build store: a
rebuild loads them instead of compiling every template again (Jinja itself checks each
against its source's checksum) or asking Pygments for its rules."""

from __future__ import annotations

import io

import jinja2
from jinja2.bccache import Bucket

from .store import Store

FORMAT = f"jinja-{jinja2.__version__}"


class StoredBytecode(jinja2.BytecodeCache):
    def __init__(self, store: Store) -> None:
        self.store = store

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self.store.get("jinja", bucket.key, FORMAT)
        if data is not None:
            bucket.load_bytecode(io.BytesIO(data))  # another Jinja's magic or checksum: left empty

    def dump_bytecode(self, bucket: Bucket) -> None:
        stream = io.BytesIO()
        bucket.write_bytecode(stream)
        self.store.put("jinja", bucket.key, FORMAT, stream.getvalue())


def stored_syntax_css(store: Store, style: str, code: str) -> bytes:
    """A Pygments stylesheet, made anew only for another Pygments or another journey (`code`)."""
    from pygments import __version__

    from ..content.render import FORMAT as RENDER_FORMAT
    from ..website.templates import pygments_stylesheet

    key = f"{__version__}:{style}:{code}"
    css = store.get("css", key, RENDER_FORMAT)
    if not css:
        css = pygments_stylesheet(style)
        store.delete("css", {k for k in store.keys("css") if k.partition(":")[2].startswith(style + ":")})
        store.put("css", key, RENDER_FORMAT, css)
    return css
