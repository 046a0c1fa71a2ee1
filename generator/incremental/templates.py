"""Compiled Jinja templates kept in the build store, so a rebuild loads them instead of
compiling every template again (Jinja itself checks each against its source's checksum)."""

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
