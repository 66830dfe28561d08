"""File bodies by content hash: a small interface, a local-disk store (an S3 one can follow)."""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The body went over the limit while it was being stored (nothing was kept)."""


class Storage(Protocol):
    """Where bodies live: put returns (sha256, size, first bytes); bodies never change."""

    def put(self, stream: BinaryIO, limit: int | None = None) -> tuple[str, int, bytes]: ...

    def open(self, digest: str) -> BinaryIO: ...

    def exists(self, digest: str) -> bool: ...

    def delete_unreferenced(self, referenced: set[str], older_than: float) -> int: ...


class LocalStorage:
    """Bodies under `root`/ab/cd/<sha256>; written to a temporary file, then renamed in place."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, stream: BinaryIO, limit: int | None = None) -> tuple[str, int, bytes]:
        """Store the stream's bytes; TooLarge (and nothing stored) past `limit` bytes."""
        self.root.mkdir(parents=True, exist_ok=True)
        sha, size, head = hashlib.sha256(), 0, b""
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in _chunks(stream):
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise TooLarge(size)
                    if len(head) < 8192:
                        head += chunk[: 8192 - len(head)]
                    sha.update(chunk)
                    out.write(chunk)
            digest = sha.hexdigest()
            final = self._path(digest)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)  # same bytes under the same name: replacing is harmless
            return digest, size, head
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def open(self, digest: str) -> BinaryIO:
        return open(self._path(digest), "rb")

    def exists(self, digest: str) -> bool:
        return self._path(digest).is_file()

    def delete_unreferenced(self, referenced: set[str], older_than: float) -> int:
        """Remove bodies no version names, written more than `older_than` seconds ago.

        The age guard covers an upload that stored its body but has not committed yet."""
        removed, cutoff = 0, time.time() - older_than
        for path in self.root.glob("*/*/*"):
            if path.name not in referenced and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _chunks(stream: BinaryIO) -> Iterable[bytes]:
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return
        yield chunk


def storage_for(app: object) -> Storage:
    """The app's store: DRIVE_STORAGE_DIR, by default <instance>/drive."""
    config = app.config  # type: ignore[attr-defined]
    root = config.get("DRIVE_STORAGE_DIR") or os.path.join(app.instance_path, "drive")  # type: ignore[attr-defined]
    return LocalStorage(root)
