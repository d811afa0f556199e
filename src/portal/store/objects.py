"""One storage interface, two backends (docs/adr/091).

An `ObjectStore` holds objects under keys: relative, "/"-separated names such as
`records/RX1/2026-10/<submission id>.parquet`. `LocalStore` keeps them as files under a
folder (the embedded default); `S3Store` keeps them in an S3-compatible bucket. Both read
through a pyarrow file system rooted at the store, so DuckDB, Polars and pyarrow read Parquet
the same way from either, and every write is crash safe: an object is either absent (or as
it was) or complete, never partial.
"""

import hashlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

CHUNK = 8 * 1024 * 1024
TEMP_SUFFIX = ".tmp"
# Uploads arrive here (incoming/<uuid>.part) and are moved to their place once accepted for
# checking; anything left here is an upload that never finished.
INCOMING = "incoming"
PART_SUFFIX = ".part"
# Where a backend without rename writes an object before moving it into place.
TEMP_FOLDER = "tmp"


@dataclass(frozen=True)
class StoredObject:
    """An object just written: its key, the SHA-256 of its bytes and its size."""

    key: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: float  # seconds since the epoch


def check_key(key: str) -> str:
    """A key names an object inside the store, nothing outside it."""
    path = PurePosixPath(key)
    if not key or "\\" in key or path.is_absolute() or ".." in path.parts or key != str(path):
        raise ValueError(f"{key!r} is not a key inside the store")
    return key


def incoming_key() -> str:
    return f"{INCOMING}/{uuid.uuid4().hex}{PART_SUFFIX}"


class IncomingObject:
    """An object arriving chunk by chunk (an upload), hashed and counted on the way, never
    held whole in memory. `complete()` makes it whole; `abandon()` removes what arrived."""

    def __init__(self, store: "ObjectStore", key: str, stream, finish: Callable[[], None]):
        self.store = store
        self.key = key
        self._stream = stream
        self._finish = finish
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._digest.update(data)
        self._stream.write(data)
        self.size += len(data)

    def complete(self) -> StoredObject:
        self._finish()
        return StoredObject(self.key, self._digest.hexdigest(), self.size)

    def abandon(self) -> None:
        try:
            self._stream.close()
        finally:
            self.store.delete(self.key)


class ObjectStore(ABC):
    """Objects under keys, read through `filesystem` (a pyarrow file system whose root is
    the store's root), written by the backend so that a crash leaves nothing partial."""

    kind: str

    def __init__(self, filesystem: pafs.FileSystem):
        self.filesystem = filesystem

    # ------------------------------------------------------------ reading

    def info(self, key: str) -> ObjectInfo | None:
        found = self.filesystem.get_file_info(check_key(key))
        if found.type != pafs.FileType.File:
            return None
        return ObjectInfo(key, found.size, found.mtime.timestamp())

    def exists(self, key: str) -> bool:
        return self.info(key) is not None

    def open(self, key: str) -> pa.NativeFile:
        """The object for reading, seekable (Parquet readers jump to the footer)."""
        return self.filesystem.open_input_file(check_key(key))

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object under `prefix` (a folder), or the whole store."""
        selector = pafs.FileSelector(
            check_key(prefix) if prefix else "", recursive=True, allow_not_found=True
        )
        for found in self.filesystem.get_file_info(selector):
            if found.type == pafs.FileType.File:
                yield ObjectInfo(found.path, found.size, found.mtime.timestamp())

    def parquet_schema(self, key: str) -> pa.Schema:
        """The columns of a Parquet object, from its footer (no data read)."""
        with self.open(key) as handle:
            return pq.read_schema(handle)

    def parquet_file(self, key: str) -> pq.ParquetFile:
        return pq.ParquetFile(self.open(key))

    @abstractmethod
    def duckdb_sources(self, keys) -> list:
        """What DuckDB's `read_parquet` takes to read these objects with its own Parquet
        reader (only the columns asked for, row groups skipped by their statistics): file
        paths, or open files (read through fsspec) from object storage."""

    @abstractmethod
    def local_file(self, key: str) -> AbstractContextManager[Path]:
        """The object as a local file for the length of the `with` (the engine memory-maps
        its input): the file itself, or a copy in the scratch folder removed afterwards."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """Where another program (Spark) finds the object: a path, or an s3a:// address."""

    # ------------------------------------------------------------ writing

    @abstractmethod
    def write(self, key: str, produce: Callable[[Path], None]) -> StoredObject:
        """Store what `produce(path)` writes to a local file; all or nothing."""

    @abstractmethod
    def put_file(self, source: Path, key: str, *, move: bool = False) -> StoredObject:
        """Store a finished local file under `key` (and remove the source if `move`)."""

    @abstractmethod
    def receive(self, key: str) -> IncomingObject:
        """Start an object that arrives in chunks (an upload) straight into the store."""

    @abstractmethod
    def move(self, source_key: str, key: str) -> None:
        """Give a complete object its final key."""

    @abstractmethod
    def put_directory(self, source: Path, prefix: str) -> None:
        """Store every file of a local folder under `prefix`, replacing what is there."""

    @abstractmethod
    def delete(self, key: str, *, prune: bool = False) -> None:
        """Remove an object if it exists (`prune`: and its folder, left empty)."""

    def probe(self) -> None:
        """Write, read back and remove a small object: the store is reachable and writable."""
        key = f"{TEMP_FOLDER}/healthz-{uuid.uuid4().hex}{TEMP_SUFFIX}"
        stored = self.write(key, lambda path: path.write_bytes(b"ok"))
        try:
            if self.read_bytes(stored.key) != b"ok":
                raise OSError("the store did not give back what was written")
        finally:
            self.delete(stored.key)


def sha256_of(handle, chunk: int = CHUNK) -> tuple[str, int]:
    """SHA-256 and size of what a binary handle reads, a chunk at a time."""
    digest = hashlib.sha256()
    size = 0
    while data := handle.read(chunk):
        digest.update(data)
        size += len(data)
    return digest.hexdigest(), size
