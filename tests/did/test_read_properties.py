"""Property tests: whatever bytes arrive, the answer is a report or a file-level reject."""

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from did.report import Report
from did.spec.rules import RULES
from did.validate import validate_file
from tests.did.records import RECEIVED, csv_text, record, xml_text

# Each example writes its own file over the last one in tmp_path.
FIXTURES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def _assert_answers(tmp_path, content: bytes) -> None:
    path = tmp_path / "upload"
    path.write_bytes(content)
    report = validate_file(path, received=RECEIVED, keep_records=False)
    assert isinstance(report, Report)
    assert report.status in {"accepted", "rejected"}
    for error in report.file_errors:
        assert RULES[error.rule].file_level and error.message
    if report.file_errors:
        assert report.status == "rejected"
    report.to_json()


@FIXTURES
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash_the_readers(tmp_path, content):
    _assert_answers(tmp_path, content)


VALID_CSV = csv_text([record(1), record(2)]).encode()
VALID_XML = xml_text([[record(1), record(2)]]).encode()


@FIXTURES
@given(st.sampled_from([VALID_CSV, VALID_XML]), st.data())
def test_corrupted_valid_files_never_crash_the_readers(tmp_path, original, data):
    position = data.draw(st.integers(0, len(original)))
    cut = data.draw(st.integers(0, 40))
    inserted = data.draw(st.binary(max_size=40))
    _assert_answers(tmp_path, original[:position] + inserted + original[position + cut :])


@FIXTURES
@given(st.text(alphabet=st.sampled_from(list(',"\r\n\t ab1-<>&;')), max_size=400))
def test_csv_like_text_never_crashes_the_reader(tmp_path, text):
    _assert_answers(tmp_path, text.encode())


@FIXTURES
@given(st.binary(max_size=500))
def test_zips_of_arbitrary_bytes_never_crash_the_readers(tmp_path, content):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner.csv", content)
    _assert_answers(tmp_path, buffer.getvalue())


def _same_answer_from_both_readers(tmp_path, content: bytes) -> None:
    """The whole-file scan (with and without kept records) and the general reader agree."""
    import did.validate

    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    answers = [
        validate_file(path, received=RECEIVED, keep_records=False).to_dict(),
        validate_file(path, received=RECEIVED).to_dict(),
    ]
    real = did.validate.plain_csv
    did.validate.plain_csv = lambda *_: None  # the general reader only
    try:
        answers.append(validate_file(path, received=RECEIVED, keep_records=False).to_dict())
    finally:
        did.validate.plain_csv = real
    assert answers[0] == answers[1] == answers[2]


CELL = st.sampled_from(["", " ", "\t", "-", "1", "01", "A", "a", "9434765919", "2026-09-10",
                        " 2026-9-10", "RR813", " RR8", " RR81", "\tAB", "ZZ99 3VZ", "LS1 4AP", "\u00a0"])  # fmt: skip


@FIXTURES
@given(st.lists(st.lists(CELL, min_size=16, max_size=20), min_size=1, max_size=6), st.data())
def test_plain_csv_gets_the_same_answer_from_the_whole_file_scan(tmp_path, rows, data):
    # Rows near 18 fields of values close to valid and padded ones, so that short, long
    # and blank lines, headers and screening by the whole-file scan all come up.
    valid = [[record(n)[c] for c in record(n)] for n in range(1, 4)]
    lines = [",".join(row) for row in data.draw(st.permutations(rows + valid))]
    ending = data.draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(lines) + data.draw(st.sampled_from(["", ending]))
    _same_answer_from_both_readers(tmp_path, text.encode())


@FIXTURES
@given(st.integers(0, 17), st.sampled_from(CELL.elements), st.integers(1, 3))
def test_one_changed_value_gets_the_same_answer_either_way(tmp_path, column, value, target):
    rows = [list(record(n).values()) for n in range(1, 4)]
    rows[target - 1][column] = value
    _same_answer_from_both_readers(tmp_path, "".join(",".join(r) + "\n" for r in rows).encode())
