"""The S3-compatible backend, through pyarrow's S3 file system (docs/adr/091).

An S3 object appears only when its upload completes, but pyarrow completes an upload when
its stream is closed, even after an error part-way. So a finished file is first uploaded
under a temporary key (`tmp/<uuid>.tmp`), then copied to its final key by the server and the
temporary key deleted: the final key holds the whole object or nothing new. A temporary key
left by a crash is swept by the store's clean-up; an upload a killed process never completed
is invisible and ends with the bucket's lifecycle rule (docs/deploy.md).
"""

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import pyarrow.fs as pafs

from did import scratch
from portal.store.objects import (
    CHUNK,
    TEMP_FOLDER,
    TEMP_SUFFIX,
    IncomingObject,
    ObjectStore,
    StoredObject,
    check_key,
    sha256_of,
)

# Objects opened at once for DuckDB (each opening asks the server for the object's size).
OPENERS = 8


class S3Store(ObjectStore):
    kind = "s3"

    def __init__(self, s3: pafs.S3FileSystem, bucket: str, prefix: str = ""):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        base = f"{bucket}/{self.prefix}" if self.prefix else bucket
        super().__init__(pafs.SubTreeFileSystem(base, s3))

    def uri(self, key: str) -> str:
        path = f"{self.prefix}/{check_key(key)}" if self.prefix else check_key(key)
        return f"s3a://{self.bucket}/{path}"

    def duckdb_sources(self, keys) -> list:
        with ThreadPoolExecutor(OPENERS) as pool:
            return list(pool.map(self.open, keys))

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        # In the engine's scratch folders for input copies: one a killed worker leaves (an
        # upload holds patient data) is swept by `portal resume-submissions`.
        with scratch.directory(scratch.READ) as folder:
            path = Path(folder) / PurePosixPath(key).name
            with self.open(key) as source, open(path, "wb") as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
            yield path

    def _temporary_key(self) -> str:
        return f"{TEMP_FOLDER}/{uuid.uuid4().hex}{TEMP_SUFFIX}"

    def put_file(self, source: Path, key: str, *, move: bool = False) -> StoredObject:
        check_key(key)
        temporary = self._temporary_key()
        try:
            with open(source, "rb") as handle, self.filesystem.open_output_stream(temporary) as out:
                digest, size = sha256_of(_Tee(handle, out))
            self.filesystem.move(temporary, key)
        except BaseException:
            self.delete(temporary)
            raise
        if move:
            Path(source).unlink()
        return StoredObject(key, digest, size)

    def write(self, key: str, produce: Callable[[Path], None]) -> StoredObject:
        with scratch.directory(scratch.READ) as folder:
            path = Path(folder) / PurePosixPath(key).name
            produce(path)
            return self.put_file(path, key, move=True)

    def receive(self, key: str) -> IncomingObject:
        stream = self.filesystem.open_output_stream(check_key(key))
        return IncomingObject(self, key, stream, stream.close)

    def move(self, source_key: str, key: str) -> None:
        self.filesystem.move(check_key(source_key), check_key(key))

    def put_directory(self, source: Path, prefix: str) -> None:
        check_key(prefix)
        before = {found.key for found in self.list(prefix)}
        written = set()
        for path in sorted(Path(source).rglob("*")):
            if path.is_file():
                written.add(
                    self.put_file(path, f"{prefix}/{path.relative_to(source).as_posix()}").key
                )
        for key in sorted(before - written):
            self.delete(key)

    def delete(self, key: str, *, prune: bool = False) -> None:
        # S3 has no folders to prune: a "folder" is only the keys under it.
        try:
            self.filesystem.delete_file(check_key(key))
        except FileNotFoundError:
            pass


class _Tee:
    """Reads from a local file and writes each chunk read to the upload stream."""

    def __init__(self, source, target):
        self.source = source
        self.target = target

    def read(self, size: int) -> bytes:
        data = self.source.read(size)
        if data:
            self.target.write(data)
        return data
