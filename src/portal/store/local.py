"""The local-folder backend: the embedded default, and any shared POSIX file system.

Every object is written under a temporary name beside its final place, fsynced, renamed
into place, and the folder fsynced, so a crash leaves the old state or the new one; a
temporary file left by a crash ends in `.tmp` and is swept by the store's clean-up.
"""

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow.fs as pafs

from portal.store.objects import (
    TEMP_SUFFIX,
    IncomingObject,
    ObjectStore,
    StoredObject,
    check_key,
    sha256_of,
)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_directories(directory: Path) -> None:
    """Create a directory and fsync each new level's parent, so the entry itself survives."""
    missing = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for level in reversed(missing):
        level.mkdir(exist_ok=True)
        fsync_directory(level.parent)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


class LocalStore(ObjectStore):
    kind = "local"

    def __init__(self, root: Path):
        self.root = Path(root)
        super().__init__(pafs.SubTreeFileSystem(str(self.root.resolve()), pafs.LocalFileSystem()))

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"{key!r} is outside the store")
        return path

    def duckdb_sources(self, keys) -> list[str]:
        return [str(self.path(key)) for key in keys]

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"no object {key!r} in the store")
        yield path

    def uri(self, key: str) -> str:
        return str(self.path(key))

    def _atomically(self, key: str, produce: Callable[[Path], None]) -> StoredObject:
        final = self.path(key)
        make_directories(final.parent)
        temp = final.with_name(f".{final.name}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
        try:
            produce(temp)
            _fsync_file(temp)
            with open(temp, "rb") as handle:
                digest, size = sha256_of(handle)
            os.replace(temp, final)
            fsync_directory(final.parent)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return StoredObject(key, digest, size)

    def write(self, key: str, produce: Callable[[Path], None]) -> StoredObject:
        return self._atomically(key, produce)

    def put_file(self, source: Path, key: str, *, move: bool = False) -> StoredObject:
        # A move within one file system is a rename: the engine's Parquet files are not
        # copied when the scratch folder shares the store's disk.
        transfer = shutil.move if move else shutil.copyfile
        return self._atomically(key, lambda temp: transfer(source, temp))

    def receive(self, key: str) -> IncomingObject:
        path = self.path(key)
        make_directories(path.parent)
        handle = open(path, "wb")  # noqa: SIM115 - closed by complete() or abandon()

        def finish() -> None:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()

        return IncomingObject(self, key, handle, finish)

    def move(self, source_key: str, key: str) -> None:
        final = self.path(key)
        make_directories(final.parent)
        os.replace(self.path(source_key), final)
        fsync_directory(final.parent)

    def put_directory(self, source: Path, prefix: str) -> None:
        target = self.path(prefix)
        make_directories(target.parent)
        staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
        try:
            shutil.copytree(source, staging)
            for path in staging.rglob("*"):
                if path.is_file():
                    _fsync_file(path)
            if target.exists():
                shutil.rmtree(target)  # left by a write whose registration failed
            staging.rename(target)
            fsync_directory(target.parent)
        finally:
            if staging.exists():
                shutil.rmtree(staging)

    def delete(self, key: str, *, prune: bool = False) -> None:
        path = self.path(key)
        path.unlink(missing_ok=True)
        if prune and path.parent != self.root.resolve():
            try:
                path.parent.rmdir()
            except OSError:
                pass  # not empty, or gone
