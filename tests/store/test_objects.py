"""The storage interface on both backends: whole objects or none, hashes, reading, keys."""

import io
import os

import duckdb
import polars as pl
import pytest

from portal.store import api as store
from portal.store.local import LocalStore
from tests.object_storage import keys, read_parquet
from tests.submissions.factories import records_frame

KEY = "records/RX1/2026-10/x.parquet"


def test_a_parquet_write_leaves_the_whole_object_and_its_hash(store_backend, db):
    written = store.write_parquet(store.records(), records_frame(5), KEY)
    assert written.key == KEY
    assert read_parquet(KEY).height == 5
    with store.records().open(KEY) as handle:
        assert store.sha256_of(handle) == (written.sha256, written.size)
    assert keys() == [KEY]


def test_a_write_that_fails_part_way_leaves_no_object_at_all(store_backend, db):
    def half_write(path):
        path.write_bytes(b"PAR1 partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        store.records().write(KEY, half_write)
    assert keys() == []


def test_a_failed_write_keeps_the_earlier_object_intact(store_backend, db):
    before = store.write_parquet(store.records(), records_frame(2), KEY)

    def half_write(path):
        path.write_bytes(b"PAR1 partial")
        raise OSError(5, "Input/output error")

    with pytest.raises(OSError):
        store.records().write(KEY, half_write)
    assert read_parquet(KEY).height == 2
    with store.records().open(KEY) as handle:
        assert store.sha256_of(handle)[0] == before.sha256
    assert keys() == [KEY]


class FailingMove:
    """The backend's file system, except that giving an object its final place fails."""

    def __init__(self, filesystem):
        self._filesystem = filesystem

    def __getattr__(self, name):
        return getattr(self._filesystem, name)

    def move(self, source, destination):
        raise OSError(5, "Input/output error")


def test_a_failed_rename_or_copy_into_place_keeps_the_earlier_object(
    store_backend, db, monkeypatch, tmp_path
):
    records = store.records()
    store.write_parquet(records, records_frame(2), KEY)
    if isinstance(records, LocalStore):
        monkeypatch.setattr(os, "replace", FailingMove(None).move)
    else:
        records.filesystem = FailingMove(records.filesystem)
    source = tmp_path / "new.parquet"
    records_frame(9).write_parquet(source)
    with pytest.raises(OSError):
        records.put_file(source, KEY)
    monkeypatch.undo()
    assert read_parquet(KEY).height == 2
    assert keys() == [KEY]


def test_an_arriving_object_is_hashed_on_the_way_and_abandoning_it_leaves_nothing(
    store_backend, db
):
    arriving = store.records().receive(store.incoming_key())
    for chunk in (b"first,", b"second\n"):
        arriving.write(chunk)
    stored = arriving.complete()
    assert store.records().read_bytes(stored.key) == b"first,second\n"
    assert (stored.size, stored.sha256) == (13, store.sha256_of(io.BytesIO(b"first,second\n"))[0])
    abandoned = store.records().receive(store.incoming_key())
    abandoned.write(b"half")
    abandoned.abandon()
    assert keys() == [stored.key]


def test_moving_an_object_gives_it_its_final_key(store_backend, db):
    arriving = store.records().receive(store.incoming_key())
    arriving.write(b"data\n")
    stored = arriving.complete()
    store.records().move(stored.key, "uploads/abc/file.csv")
    assert keys() == ["uploads/abc/file.csv"]


def test_a_local_copy_is_the_file_itself_or_a_copy_removed_afterwards(store_backend, db):
    store.write_parquet(store.records(), records_frame(3), KEY)
    with store.records().local_file(KEY) as path:
        assert pl.read_parquet(path).height == 3
        seen = path
    if store_backend == "local":
        assert seen == store.records().path(KEY) and seen.exists()
    else:
        assert not seen.exists() and not seen.parent.exists()


def test_duckdb_reads_objects_with_its_own_reader_and_every_column_of_any_of_them(
    store_backend, db
):
    records = store.records()
    store.write_parquet(records, pl.DataFrame({"a": [1, 2]}), "records/RX1/2026-09/one.parquet")
    store.write_parquet(
        records, pl.DataFrame({"a": [3], "b": ["x"]}), "records/RY2/2026-10/two.parquet"
    )
    sources = records.duckdb_sources(
        ["records/RX1/2026-09/one.parquet", "records/RY2/2026-10/two.parquet"]
    )
    rows = duckdb.connect().read_parquet(sources, union_by_name=True).order("a").fetchall()
    assert rows == [(1, None), (2, None), (3, "x")]


def test_a_folder_is_stored_whole_replacing_what_was_there(store_backend, db, tmp_path):
    media = store.media()
    media.write("publications/r-v1/old.csv", lambda path: path.write_bytes(b"old"))
    folder = tmp_path / "release"
    (folder / "tables").mkdir(parents=True)
    (folder / "release.json").write_text("{}")
    (folder / "tables" / "t.csv").write_text("a\n1\n")
    media.put_directory(folder, "publications/r-v1")
    assert keys("publications", media) == [
        "publications/r-v1/release.json",
        "publications/r-v1/tables/t.csv",
    ]
    assert media.read_bytes("publications/r-v1/tables/t.csv") == b"a\n1\n"


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../outside", "a/../../b", "a//b", "a\\b"])
def test_a_key_names_an_object_inside_the_store_and_nothing_else(store_backend, db, key):
    with pytest.raises(ValueError, match="not a key inside the store"):
        store.records().exists(key)


def test_an_object_knows_its_size_and_when_it_was_written(store_backend, db):
    import time

    before = time.time()
    store.records().write("reports/x.issues.parquet", lambda path: path.write_bytes(b"12345"))
    found = store.records().info("reports/x.issues.parquet")
    assert found.size == 5
    # Object storage keeps whole seconds.
    assert before - 2 <= found.modified <= time.time() + 2
    assert store.records().info("reports/missing.parquet") is None


def test_spark_is_told_a_path_or_an_s3a_address(store_backend, db, settings):
    address = store.records().uri(KEY)
    if store_backend == "local":
        assert address == str(settings.DID_STORE.resolve() / KEY)
    else:
        assert address == f"s3a://{settings.STORE_S3_BUCKET}/{settings.STORE_S3_PREFIX}/store/{KEY}"


def test_the_store_probe_writes_reads_and_leaves_nothing(store_backend, db):
    store.records().probe()
    assert keys() == []
