"""`did publish`: DID files in, published tables out."""

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from did import synth
from did.cli import cli
from did.publish.sample import item_records

CODES = str(Path(__file__).resolve().parents[2] / "src/did/data/imaging_codes.csv")

# Spec did-publications.md §4.1: England, April 2012, as published (rounded to 5).
PUBLISHED_APRIL_2012 = {"Fluoroscopy": 69_385, "Magnetic Resonance Imaging": 159_745}
# Record counts that round to those figures: 2 above and 2 below the published value.
RECORDS_APRIL_2012 = {"Fluoroscopy": 69_387, "Magnetic Resonance Imaging": 159_743}
NICIP = {"Fluoroscopy": "FBASW", "Magnetic Resonance Imaging": "MBRAI"}
SITES = ["RJ121", "RR801", "RXF05", "RTH08", "RRV03", "RM301", "RR813"]


def national_records(counts: dict[str, int]) -> pl.DataFrame:
    """Record-level April 2012 data: one row per test, spread over seven trusts' sites."""
    return item_records({NICIP[m]: n for m, n in counts.items()}, "2012-04", SITES)


def run(*args):
    result = CliRunner().invoke(cli, ["publish", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result


def test_did_publish_reproduces_published_national_counts_from_record_level_data(tmp_path):
    national_records(RECORDS_APRIL_2012).write_csv(tmp_path / "april.csv", include_header=False)
    run(tmp_path / "april.csv", "--codes", CODES, "--out", tmp_path / "out")
    table = pl.read_csv(tmp_path / "out/modality_provider_counts.csv", infer_schema=False)
    england = table.filter(pl.col("Org Code") == "ENGLAND")
    assert dict(england.select("Modality", pl.col("Activity").cast(int)).rows()) == (
        PUBLISHED_APRIL_2012
    )
    assert set(england["Month"]) == {"2012-04"}
    providers = table.filter(pl.col("Org Code") != "ENGLAND")
    assert set(providers["Org Code"]) == {s[:3] for s in SITES}
    assert (providers["Activity"].cast(pl.Int64) % 5 == 0).all()
    # The same figures in Table 1's wide layout: April is the first month of 2012-13.
    wide = pl.read_csv(tmp_path / "out/table_1_modality_provider_counts.csv", infer_schema=False)
    assert wide.columns == [
        "Region Code", "Org Code", "Provider Name", "Modality", "Apr", "Year to date"
    ]  # fmt: skip
    england = wide.filter(pl.col("Org Code") == "ENGLAND")
    assert dict(england.select("Modality", pl.col("Apr").cast(int)).rows()) == (
        PUBLISHED_APRIL_2012
    )
    assert england["Apr"].to_list() == england["Year to date"].to_list()


def test_did_publish_reads_csv_and_xml_files_and_folders_and_records_their_hashes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    synth.write(folder / "august.csv", 3000, "2026-08", seed=1)
    synth.write(tmp_path / "september.xml", 2000, "2026-09", seed=2, file_format="xml")
    result = run(folder, tmp_path / "september.xml", "--codes", CODES, "--out", tmp_path / "out")
    assert "2026-08 to 2026-09" in result.output
    out = tmp_path / "out"
    lines = (out / "modality_provider_counts.csv").read_text().splitlines()
    assert lines[0] == (
        "Month,Region Code,Region Name,ICB Code,Org Code,Provider Name,Modality,Activity"
    )
    rows = pl.read_csv(out / "modality_provider_counts.csv")
    england = rows.filter(pl.col("Org Code") == "ENGLAND")
    assert set(england["Month"]) == {"2026-08", "2026-09"}
    for name in ("completeness", "waiting_times", "cancer_tests", "source_setting_counts"):
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.json").is_file()
    manifest = json.loads((out / "release.json").read_text())
    assert [Path(i["id"]).name for i in manifest["inputs"]] == ["august.csv", "september.xml"]
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    completeness = pl.read_csv(out / "completeness.csv")
    assert completeness["Percent Included"].to_list() == [100.0, 100.0]


def test_running_did_publish_twice_gives_byte_identical_tables(tmp_path):
    synth.write(tmp_path / "a.csv", 2000, "2026-08", seed=3)
    for out in ("one", "two"):
        run(tmp_path / "a.csv", "--codes", CODES, "--out", tmp_path / out, "--period", "2026-08")
    files = sorted(p.name for p in (tmp_path / "one").iterdir() if p.name != "run.json")
    assert "release.json" in files and len(files) == 16  # 7 tables x 2, Table 1, manifest
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_did_publish_applies_suppression_only_when_asked(tmp_path):
    synth.write(tmp_path / "a.csv", 400, "2026-08", seed=4)
    run(tmp_path / "a.csv", "--out", tmp_path / "plain")
    run(tmp_path / "a.csv", "--out", tmp_path / "safe", "--suppress-below", "10")
    plain = pl.read_csv(tmp_path / "plain/modality_provider_counts.csv")
    safe = pl.read_csv(tmp_path / "safe/modality_provider_counts.csv", infer_schema=False)
    assert plain["Activity"].null_count() == 0
    # Withheld counts are written [c], as the page shows them, never left blank.
    assert (safe["Activity"] == "[c]").sum() > 0
    assert safe["Activity"].null_count() == 0
    assert (
        json.loads((tmp_path / "safe/release.json").read_text())["disclosure"]["suppress_below"]
        == 10
    )


def test_did_publish_explains_bad_input(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["publish", str(empty), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0 and "holds no DID files" in result.output
    synth.write(tmp_path / "a.csv", 10, "2026-08", seed=5)
    result = CliRunner().invoke(
        cli, ["publish", str(tmp_path / "a.csv"), "--out", str(tmp_path / "o"), "--period", "8/26"]
    )
    assert result.exit_code != 0 and "write it as YYYY-MM" in result.output
    assert not (tmp_path / "o").exists()
