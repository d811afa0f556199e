"""Two engines, one answer: DuckDB and Spark compute the same tables from the same files."""

import polars as pl
import pytest
from click.testing import CliRunner

from did import synth
from did.cli import cli
from did.publish import PublishOptions, Window
from did.publish.build import build_tables
from did.publish.engines import compute_cubes, spark_session
from did.publish.reference import load_cancer_groups, load_regions
from did.publish.release import write_release
from did.publish.sample import derived_records
from tests.did.publish_records import records, write

WINDOW = Window("2025-11", "2026-01")
ENGINES = ("duckdb", "spark")


@pytest.fixture(scope="module")
def spark():
    # The JIT's quick tier only: a few small queries, so compiling them well costs more than
    # it saves (about 3 s of this module's 25).
    session = spark_session("local[2]", driver_java_options="-XX:TieredStopAtLevel=1")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Two Parquet files: synthetic months, and awkward records (nulls, SNOMED-only codes,
    a month outside the window)."""
    folder = tmp_path_factory.mktemp("store")
    sample = derived_records(
        ["2025-10", "2025-11", "2025-12", "2026-01"], ["RJ1", "RRV", "RR8", "ZZZ"], 400
    )
    awkward = records(
        {"period": "2025-12", "provider_code": "RJ1", "modality": "Plain Radiography",
         "snomed_code": "399208008", "patient_source_setting": "04", "days_request_to_test": 3,
         "n": 13},
        {"period": "2025-12", "provider_code": "RTH", "modality": "Unknown",
         "patient_source_setting": None, "n": 4},
        {"period": "2026-01", "provider_code": "RTH", "modality": "Fluoroscopy",
         "days_test_to_report": 2, "n": 2},
    )  # fmt: skip
    return [write(sample, folder, "a.parquet"), write(awkward, folder, "b.parquet")]


def options():
    codes, order = load_cancer_groups()
    return PublishOptions(cancer_codes=codes, cancer_group_order=order, regions=load_regions())


@pytest.fixture(scope="module")
def cubes(spark, store):
    """Each engine's cubes, computed once for the module: each Spark run costs seconds of
    JVM work, and the tests below only read the results."""
    codes, _ = load_cancer_groups()
    return {
        engine: compute_cubes(store, WINDOW, engine=engine, cancer_codes=codes)
        for engine in ENGINES
    }


@pytest.fixture(scope="module")
def publications(cubes):
    """The publication each engine's cubes give (what `publish` does after the cubes)."""
    return {engine: build_tables(cubes[engine], WINDOW, options()) for engine in ENGINES}


def test_duckdb_and_spark_count_the_same_cubes(cubes):
    duck, sparked = cubes["duckdb"].as_dict(), cubes["spark"].as_dict()
    for name in duck:
        assert duck[name].height > 0, name
        assert duck[name].equals(sparked[name], null_equal=True), name


def test_duckdb_and_spark_publish_identical_tables_cell_for_cell(publications, tmp_path):
    duck, sparked = publications["duckdb"], publications["spark"]
    for name, table in duck.tables.items():
        assert table.height > 0, name
        assert table.equals(sparked.tables[name], null_equal=True), name
    for name, wide in duck.wide.items():
        assert wide.frame.height > 0, name
        assert wide.frame.equals(sparked.wide[name].frame, null_equal=True), name
    write_release(duck, tmp_path / "duck", name="r", engine="duckdb", inputs=[])
    write_release(sparked, tmp_path / "spark", name="r", engine="spark", inputs=[])
    for name in duck.tables:
        for extension in ("csv", "json"):
            left = (tmp_path / "duck" / f"{name}.{extension}").read_bytes()
            assert left == (tmp_path / "spark" / f"{name}.{extension}").read_bytes()
    for name in duck.wide:
        left = (tmp_path / "duck" / f"{name}.csv").read_bytes()
        assert left == (tmp_path / "spark" / f"{name}.csv").read_bytes()


def test_the_awkward_records_are_counted_by_both_engines(publications):
    for engine in ENGINES:
        tables = publications[engine].tables
        unknown = tables["source_setting_counts"].filter(
            (pl.col("provider_code") == "RTH") & (pl.col("period") == "2025-12")
        )
        assert unknown.select("patient_source_setting", "source_setting", "activity").rows() == [
            ("", "Not known", 5)
        ]
        assert "2025-10" not in tables["completeness"]["period"].to_list()


def test_did_publish_on_spark_writes_the_same_files_as_on_duckdb(spark, tmp_path):
    synth.write(tmp_path / "a.csv", 1500, "2026-08", seed=9)
    for engine in ENGINES:
        args = ["publish", str(tmp_path / "a.csv"), "--out", str(tmp_path / engine)]
        result = CliRunner().invoke(cli, [*args, "--engine", engine])
        assert result.exit_code == 0, result.output
    for path in sorted((tmp_path / "duckdb").glob("*.*sv")) + sorted(
        (tmp_path / "duckdb").glob("*.json")
    ):
        if path.name in ("release.json", "run.json"):
            continue
        assert path.read_bytes() == (tmp_path / "spark" / path.name).read_bytes(), path.name
