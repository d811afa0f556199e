"""The whole-file byte scans, and the second process that `did validate` runs them in.

`did validate` starts `python -m did.bytescan FILE` before it imports Polars and reads the
facts back when the readers need them (docs/adr/017). The facts must be exactly what the
readers would work out themselves, and facts of a file that changed since must not be used.
"""

import json
import sys

import pytest
from click.testing import CliRunner

import did.read.csv
from did.bytescan import Prescan, byte_facts
from did.cli import cli
from did.validate import validate_file
from tests.did.records import RECEIVED, csv_text, record

ROWS = [record(n) for n in range(1, 40)]
CONTENTS = {
    "plain LF": csv_text(ROWS).encode(),
    "CR LF": csv_text(ROWS).replace("\n", "\r\n").encode(),
    "old Mac CR": csv_text(ROWS).replace("\n", "\r").encode(),
    "a bare CR": csv_text(ROWS).replace("\n", "\r", 1).encode(),
    "a quote": csv_text(ROWS).replace("RR813", '"RR813"', 1).encode(),
    "a NUL byte": csv_text(ROWS).encode() + b"\x00",
    "a long line": csv_text(ROWS).encode() + b"x" * 70_000 + b"\n",
    "a long line of NULs": csv_text(ROWS).encode() + b"\x00" * 70_000,
    "nothing": b"",
}


@pytest.mark.parametrize("name", CONTENTS)
def test_the_second_process_works_out_what_the_readers_would(tmp_path, name):
    path = tmp_path / "file.csv"
    path.write_bytes(CONTENTS[name])
    prescan = Prescan(path)
    assert prescan.facts(path) == byte_facts(path)


def test_facts_of_another_file_or_of_a_file_since_changed_are_not_used(tmp_path, monkeypatch):
    path = tmp_path / "file.csv"
    path.write_bytes(CONTENTS["plain LF"])
    assert Prescan(path).facts(tmp_path / "another.csv") is None
    # The second process read the file as it was; it has changed since (size, time, inode).
    prescan = Prescan(path)
    monkeypatch.setattr("did.bytescan.identity", lambda path: (0, 0, 0))
    assert prescan.facts(path) is None


def test_facts_are_never_of_the_file_as_it_was(tmp_path):
    path = tmp_path / "file.csv"
    path.write_bytes(CONTENTS["plain LF"])
    prescan = Prescan(path)
    path.write_bytes(CONTENTS["a quote"])  # before or after the second process read it
    assert prescan.facts(path) in (None, byte_facts(path))


def test_a_second_process_that_cannot_start_leaves_the_scans_to_the_readers(tmp_path, monkeypatch):
    path = tmp_path / "file.csv"
    path.write_bytes(CONTENTS["a quote"])
    expected = validate_file(path, received=RECEIVED, keep_records=False).to_dict()
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    prescan = Prescan(path)
    assert prescan.facts(path) is None
    got = validate_file(path, received=RECEIVED, keep_records=False, prescan=prescan)
    assert got.to_dict() == expected


@pytest.mark.parametrize("name", ["plain LF", "CR LF", "a quote", "a long line"])
def test_did_validate_takes_the_facts_from_the_second_process(tmp_path, monkeypatch, name):
    path = tmp_path / "file.csv"
    path.write_bytes(CONTENTS[name])
    expected = validate_file(path, received=RECEIVED, keep_records=False).to_dict()

    def not_here(*args):
        raise AssertionError("the long-line scan ran again in this process")

    monkeypatch.setattr(did.read.csv, "first_long_line", not_here)
    result = CliRunner().invoke(
        cli, ["validate", "--json", "--received", RECEIVED.isoformat(), str(path)]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert json.loads(result.output) == expected
