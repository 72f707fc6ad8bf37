"""Content-addressed blob directory: files named by their sha256, written atomically."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ocr_server.errors import OcrServerError

_CHUNK = 1 << 20


class BlobTooLargeError(Exception):
    """The stream exceeded the size limit it was written with."""


class BlobStoreFullError(OcrServerError):
    """The blob directory's disk is full: nothing was stored; an operator must make room."""

    code = "storage_full"
    http_status = 507


class BlobStore:
    """Blobs under ``root/ab/cdef…`` keyed by the sha256 of their content.

    Writes go to a temporary file in the same directory tree and are renamed into place, so a
    reader never sees a partial blob and a crash leaves at most a stray temp file.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "tmp").mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """The blob's file (readable as long as the blob exists)."""
        return self._local(key)

    def _local(self, key: str) -> Path:
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
        try:
            fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp")
        except OSError as exc:
            raise full_disk_or(exc) from exc
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
            target = self._local(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.replace(target)
            return key, size
        except OSError as exc:
            raise full_disk_or(exc) from exc
        finally:
            tmp.unlink(missing_ok=True)

    def put_file(self, path: Path) -> str:
        with path.open("rb") as fh:
            return self.put_stream(fh)[0]

    def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._local(key).unlink(missing_ok=True)


class BlobStoreUnavailableError(OcrServerError):
    """The object store cannot be reached or refused the request; retrying later may work."""

    code = "storage_unavailable"
    http_status = 503


def full_disk_or(exc: OSError, what: str = "blob storage") -> Exception:
    """``BlobStoreFullError`` for a full disk (or quota), else ``exc`` itself."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return BlobStoreFullError(f"{what} is full ({exc.strerror})")
    return exc


class S3BlobStore(BlobStore):
    """The same content-addressed blobs in an S3 bucket (AWS, SeaweedFS, MinIO, ...); the
    local directory becomes a cache that gives the pipeline the file paths it reads.

    A put writes the local copy atomically (as ``BlobStore``), then uploads it: an S3 PUT is
    atomic, and the key is the content's hash, so a repeated or concurrent upload of the same
    blob is harmless. ``path`` downloads a blob this host has not seen (to a temporary file,
    renamed into place), so workers on other machines read what the API stored.

    The cache is trimmed to ``cache_max_bytes``, least recently used first (each use touches
    the file's mtime), at most once a minute per process, by the puts and downloads
    themselves. Files used in the last ``keep_recent_s`` stay: a page may be reading them.
    """

    TRIM_EVERY_S = 60.0

    def __init__(self, cache_root: Path, *, client, bucket: str, prefix: str = "",  # type: ignore[no-untyped-def]
                 cache_max_bytes: int | None = None, keep_recent_s: float = 600) -> None:
        super().__init__(cache_root)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.cache_max_bytes = cache_max_bytes
        self.keep_recent_s = keep_recent_s
        self._last_trim = 0.0

    def trim_cache(self, max_bytes: int) -> int:
        """Delete least recently used cached blobs until at most ``max_bytes`` remain (or
        only recently used ones); the bucket keeps them. Returns the bytes freed."""
        entries, total = [], 0
        for sub in self.root.iterdir():
            if len(sub.name) != 2 or not sub.is_dir():
                continue  # tmp/
            for f in sub.iterdir():
                try:
                    st = f.stat()
                except FileNotFoundError:
                    continue
                entries.append((st.st_mtime, st.st_size, f))
                total += st.st_size
        freed, now = 0, time.time()
        for mtime, size, f in sorted(entries):
            if total - freed <= max_bytes or now - mtime < self.keep_recent_s:
                break
            f.unlink(missing_ok=True)
            freed += size
        return freed

    def maybe_trim_cache(self) -> int:
        """:meth:`trim_cache` to ``cache_max_bytes``, if a minute has passed since the last."""
        if self.cache_max_bytes is None or time.monotonic() - self._last_trim < self.TRIM_EVERY_S:
            return 0
        self._last_trim = time.monotonic()
        return self.trim_cache(self.cache_max_bytes)

    def _object(self, key: str) -> str:
        return f"{self.prefix}{key[:2]}/{key[2:]}"

    def path(self, key: str) -> Path:
        local = self._local(key)
        try:
            os.utime(local)  # a cache hit: recently used
            return local
        except FileNotFoundError:
            pass
        local.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with _s3_errors(f"reading blob {key[:12]}"):
                self.client.download_file(self.bucket, self._object(key), str(tmp))
            tmp.replace(local)
        finally:
            tmp.unlink(missing_ok=True)
        self.maybe_trim_cache()
        return local

    def put_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int]:
        key, size = super().put_stream(stream, max_bytes=max_bytes)
        with _s3_errors(f"storing blob {key[:12]}"):
            self.client.upload_file(str(self._local(key)), self.bucket, self._object(key))
        self.maybe_trim_cache()
        return key, size

    def delete(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        for key in keys:
            self._local(key)  # validates the key
            with _s3_errors(f"deleting blob {key[:12]}"):
                self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
        super().delete(keys)


@contextmanager
def _s3_errors(doing: str) -> Iterator[None]:
    from boto3.exceptions import S3TransferFailedError
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError, S3TransferFailedError) as exc:
        raise BlobStoreUnavailableError(f"object store: {doing} failed ({exc})") from exc


def open_blob_store(server) -> BlobStore:  # type: ignore[no-untyped-def]
    """The store the settings name: ``OCR_SERVER_BLOB_URL=s3://bucket/prefix`` (endpoint from
    ``OCR_SERVER_S3_ENDPOINT``, credentials as boto3 finds them, e.g. ``AWS_ACCESS_KEY_ID``),
    else the local directory."""
    url = server.blob_url
    if not url:
        return BlobStore(server.blob_dir)
    if not url.startswith("s3://") or len(url) <= 5:
        raise ValueError(f"OCR_SERVER_BLOB_URL must be s3://bucket[/prefix], not {url!r}")
    import boto3

    bucket, _, prefix = url[5:].partition("/")
    client = boto3.client("s3", endpoint_url=server.s3_endpoint or None)
    return S3BlobStore(server.blob_dir, client=client, bucket=bucket, prefix=prefix,
                       cache_max_bytes=server.cache_max_mb * 1024 * 1024)
