"""XML values have a length limit (issue 16, Low: "a 50 MB attribute: 52 s and 2 GB")."""

import pytest

import did.read.xml as xml_reader
from did.validate import validate_file
from tests.did.records import RECEIVED, record, xml_text

LONG = "A" * (xml_reader.MAX_VALUE_CHARS + 1)
AT_THE_LIMIT = "A" * xml_reader.MAX_VALUE_CHARS


def _check(tmp_path, text):
    path = tmp_path / "values.xml"
    path.write_text(text)
    return validate_file(path, received=RECEIVED, keep_records=False)


def _as_attribute(value):
    return xml_text([[record(1), record(2)]]).replace(
        '<NHSNumberStatus code="01"/>', f'<NHSNumberStatus code="{value}"/>', 1
    )


def _as_text(value):
    return xml_text([[record(1)], [record(2, accession_number=value)]])


@pytest.mark.parametrize(
    ("text", "record_number", "element"),
    [
        (_as_attribute(LONG), 1, "NHSNumberStatus"),
        (_as_text(LONG), 2, "RadiologicalAccessionNumber"),
    ],
    ids=["attribute", "element text"],
)
def test_a_value_over_the_limit_rejects_the_file_naming_where(
    tmp_path, text, record_number, element
):
    report = _check(tmp_path, text)
    assert report.status == "rejected" and report.record_count == 0
    [error] = report.file_errors
    assert error.rule == "DIDS076"
    assert error.message.startswith(
        f"DIDSRecord number {record_number} holds a <{element}> of {len(LONG):,} characters"
    )


@pytest.mark.parametrize("build", [_as_attribute, _as_text], ids=["attribute", "element text"])
def test_a_value_at_the_limit_is_read_and_checked_as_a_value(tmp_path, build):
    report = _check(tmp_path, build(AT_THE_LIMIT))
    assert not report.file_errors
    assert report.record_count == 2 and report.status == "rejected"  # the value's own rule
