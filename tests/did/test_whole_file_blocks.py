"""A plain CSV file is scanned BLOCK_RECORDS records a streaming pass (did.validate.
whole_file): the report is the one a single pass gives, whatever the block boundaries cut
(a DIDS071 repeat, a damaged line, the file's end)."""

import pytest

import did.validate
from did.read.plain import PlainCsv
from did.validate import whole_file
from tests.did.records import RECEIVED, csv_text, record


@pytest.fixture
def passes(monkeypatch):
    """The (first, count) of each streaming pass over a plain file."""
    seen = []
    real = PlainCsv.records

    def spy(self, first=1, count=None):
        seen.append((first, count))
        return real(self, first, count)

    monkeypatch.setattr(PlainCsv, "records", spy)
    return seen


def check(path, **kwargs):
    return did.validate.validate_file(path, received=RECEIVED, **kwargs)


def cases() -> list[dict[str, str]]:
    from tests.did.test_validate_rules import CASES

    rows = [record(n + 1, **changes) for n, (_, changes, _, _) in enumerate(CASES)]
    return rows + [record(len(rows) + 1, accession_number=rows[3]["accession_number"])]


@pytest.mark.parametrize("keep_records", [True, False])
@pytest.mark.parametrize("dialect", ["plain", "header, bom and crlf"])
def test_passes_of_a_few_records_give_the_report_of_one_pass(
    tmp_path, monkeypatch, passes, reference, codes, keep_records, dialect, whole_file_scans
):
    rows = cases()
    text = csv_text(rows, header="header" in dialect)
    if "crlf" in dialect:
        text = "\ufeff" + text.replace("\n", "\r\n")
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8", newline="")
    one = check(path, reference=reference, codes=codes, keep_records=keep_records)
    assert passes == [(1, whole_file.BLOCK_RECORDS)]
    monkeypatch.setattr(whole_file, "BLOCK_RECORDS", 7)
    blocks = check(path, reference=reference, codes=codes, keep_records=keep_records)
    assert passes[1:] == [(first, 7) for first in range(1, len(rows) + 1, 7)]
    assert whole_file_scans == [True, True]
    assert blocks.to_dict() == one.to_dict()
    assert "DIDS071" in blocks.rule_counts and blocks.errors > 40
    if keep_records:
        assert blocks.records.equals(one.records)


def test_a_file_that_ends_with_a_block_is_not_scanned_again(tmp_path, monkeypatch, passes):
    monkeypatch.setattr(whole_file, "BLOCK_RECORDS", 10)
    path = tmp_path / "twenty.csv"
    path.write_text(csv_text([record(n) for n in range(1, 21)]))
    report = check(path)
    assert passes == [(1, 10), (11, 10)]
    assert report.record_count == 20 and report.accepted


@pytest.mark.parametrize("damage", ["short line", "long line", "blank line"])
def test_damage_in_a_later_block_is_left_to_the_general_reader(
    tmp_path, monkeypatch, whole_file_scans, damage
):
    monkeypatch.setattr(whole_file, "BLOCK_RECORDS", 30)
    lines = csv_text([record(n) for n in range(1, 101)]).splitlines()
    if damage == "short line":
        lines[79] = lines[79].rsplit(",", 1)[0]
    elif damage == "long line":
        lines[79] += ",extra"
    else:
        lines.insert(79, "")
    path = tmp_path / "damaged.csv"
    path.write_text("\n".join(lines) + "\n")
    report = check(path)
    assert whole_file_scans == [False]
    monkeypatch.setattr(did.validate, "plain_csv", lambda *_: None)
    assert report.to_dict() == check(path).to_dict()
