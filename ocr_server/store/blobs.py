"""Content-addressed blob directory: files named by their sha256, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 20


class BlobTooLargeError(Exception):
    """The stream exceeded the size limit it was written with."""


class BlobStore:
    """Blobs under ``root/ab/cdef…`` keyed by the sha256 of their content.

    Writes go to a temporary file in the same directory tree and are renamed into place, so a
    reader never sees a partial blob and a crash leaves at most a stray temp file.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "tmp").mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a blob key: {key!r}")
        return self.root / key[:2] / key[2:]

    def put_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int]:
        """Store a stream; returns (key, size).

        Raises:
            BlobTooLargeError: more than ``max_bytes`` were read; nothing is stored.
        """
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise BlobTooLargeError(f"more than {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = digest.hexdigest()
            target = self.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.replace(target)
            return key, size
        finally:
            tmp.unlink(missing_ok=True)

    def put_file(self, path: Path) -> str:
        with path.open("rb") as fh:
            return self.put_stream(fh)[0]

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.path(key).unlink(missing_ok=True)
