"""Property tests: whatever bytes arrive, the answer is a report or a file-level reject."""

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from did.report import Report
from did.spec.rules import RULES
from did.validate import validate_file
from tests.did.records import RECEIVED, csv_text, record, xml_text

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


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


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash_the_readers(tmp_path, content):
    _assert_answers(tmp_path, content)


VALID_CSV = csv_text([record(1), record(2)]).encode()
VALID_XML = xml_text([[record(1), record(2)]]).encode()


@SETTINGS
@given(st.sampled_from([VALID_CSV, VALID_XML]), st.data())
def test_corrupted_valid_files_never_crash_the_readers(tmp_path, original, data):
    position = data.draw(st.integers(0, len(original)))
    cut = data.draw(st.integers(0, 40))
    inserted = data.draw(st.binary(max_size=40))
    _assert_answers(tmp_path, original[:position] + inserted + original[position + cut :])


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list(',"\r\n\t ab1-<>&;')), max_size=400))
def test_csv_like_text_never_crashes_the_reader(tmp_path, text):
    _assert_answers(tmp_path, text.encode())


@SETTINGS
@given(st.binary(max_size=500))
def test_zips_of_arbitrary_bytes_never_crash_the_readers(tmp_path, content):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner.csv", content)
    _assert_answers(tmp_path, buffer.getvalue())
