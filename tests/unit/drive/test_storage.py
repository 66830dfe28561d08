"""The local body store: content addressing, the size limit, garbage collection."""
from __future__ import annotations

import hashlib
import io
import os
import time

import pytest

from drive.storage import LocalStorage, TooLarge


def test_put_open_and_same_bytes_stored_once(tmp_path):
    store = LocalStorage(tmp_path)
    digest, size, head = store.put(io.BytesIO(b"hello"))
    assert digest == hashlib.sha256(b"hello").hexdigest() and size == 5 and head == b"hello"
    assert store.put(io.BytesIO(b"hello"))[0] == digest
    assert store.open(digest).read() == b"hello"
    assert len(list(tmp_path.glob("*/*/*"))) == 1


def test_over_the_limit_keeps_nothing(tmp_path):
    store = LocalStorage(tmp_path)
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"x" * 11), limit=10)
    assert list(tmp_path.rglob("*")) == []


def test_garbage_collection_spares_referenced_and_young(tmp_path):
    store = LocalStorage(tmp_path)
    keep, _, _ = store.put(io.BytesIO(b"keep"))
    old, _, _ = store.put(io.BytesIO(b"old"))
    young, _, _ = store.put(io.BytesIO(b"young"))
    past = time.time() - 7200
    for digest in (keep, old):
        os.utime(store._path(digest), (past, past))
    assert store.delete_unreferenced({keep}, older_than=3600) == 1
    assert store.exists(keep) and not store.exists(old) and store.exists(young)


def test_text_of_common_formats():
    from pathlib import Path

    from drive.text import extract_text

    assert extract_text(io.BytesIO(b"# Plan\n\nShip  it"), "text/plain", 17) == "# Plan Ship it"
    odt = (Path(__file__).resolve().parents[3] / "drive" / "templates" / "empty.odt").read_bytes()
    assert extract_text(io.BytesIO(odt), "application/vnd.oasis.opendocument.text", len(odt)) == ""
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document><w:p><w:t>Quarterly</w:t></w:p><w:p><w:t>budget"
                                         "</w:t></w:p></w:document>")
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert extract_text(io.BytesIO(buf.getvalue()), docx, 100) == "Quarterly budget"
    assert extract_text(io.BytesIO(b"not a zip"), docx, 9) == ""
    assert extract_text(io.BytesIO(b"x"), "image/png", 1) == ""
