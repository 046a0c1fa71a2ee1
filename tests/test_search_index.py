"""search.json's writer (website/search.py): documents written and ranges of the previous index
copied, in order, whatever the size of what is gathered before a write."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.website import search
from generator.website.search import _Pieces


@pytest.mark.parametrize("at_once", [1, 7, 1 << 18])
def test_written_and_copied_pieces_keep_their_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    at_once: int) -> None:
    monkeypatch.setattr(search, "WRITE_AT_ONCE", at_once)
    old = tmp_path / "old.json"
    old.write_bytes(b'[{"a":1},{"b":2},{"c":3}]')
    new = tmp_path / "new.json"
    with _Pieces(new, old) as out:
        out.write(b"[")
        out.copy(1, 7, comma=False)  # {"a":1}
        out.copy(9, 7, comma=True)  # {"b":2}: follows it in the old file, copied with it
        out.write(b',{"new":true}')
        out.copy(17, 7, comma=True)  # {"c":3}
        out.write(b"]")
    assert new.read_bytes() == b'[{"a":1},{"b":2},{"new":true},{"c":3}]'
