"""A large XML file read in two parts at once (did.read.xml_split) gives exactly the report
of one pass: the same records, numbers and messages, whichever part holds an error."""

import pytest

import did.read.xml_split as xml_split
from did.validate import validate_file
from tests.did.records import RECEIVED, record, xml_text


@pytest.fixture
def split_any_size(monkeypatch):
    """Files of any size are cut in two (the real threshold is many megabytes)."""
    monkeypatch.setattr(xml_split, "MIN_SPLIT_BYTES", 0)


def one_pass_and_split(path, monkeypatch, **kwargs):
    """The reports of `path` read in two parts and read in one pass."""
    assert xml_split.split_point(path) is not None, "the file should be cut in two"
    split = validate_file(path, received=RECEIVED, **kwargs)
    with monkeypatch.context() as patched:
        patched.setattr(xml_split, "split_point", lambda _path: None)
        one_pass = validate_file(path, received=RECEIVED, **kwargs)
    return split, one_pass


def groups(count: int) -> list[list[dict[str, str]]]:
    """DIDSRecords of one to three activities, some with errors of their own."""
    out = []
    for n in range(1, count + 1):
        changes = {"gender": "7"} if n % 5 == 0 else {}
        if n % 7 == 0:
            changes["test_date"] = "2026-13-01"
        out.append([record(n * 10 + k, **changes) for k in range(1 + n % 3)])
    return out


def test_records_read_in_two_parts_are_those_of_one_pass(tmp_path, monkeypatch, split_any_size):
    path = tmp_path / "big.xml"
    path.write_text(xml_text(groups(60)))
    split, one_pass = one_pass_and_split(path, monkeypatch)
    assert split.to_dict() == one_pass.to_dict()
    assert split.to_dict()["errors"] > 10
    assert split.records.equals(one_pass.records)
    assert split.records["record_number"].to_list() == list(range(1, split.record_count + 1))


def test_the_second_part_is_read_here_when_the_other_process_fails(
    tmp_path, monkeypatch, split_any_size
):
    path = tmp_path / "big.xml"
    path.write_text(xml_text(groups(40)))
    monkeypatch.setattr(xml_split.sys, "executable", "/bin/false")
    split, one_pass = one_pass_and_split(path, monkeypatch)
    assert split.to_dict() == one_pass.to_dict()
    assert split.records.equals(one_pass.records)


def test_the_second_part_is_read_here_when_no_other_process_can_start(
    tmp_path, monkeypatch, split_any_size
):
    path = tmp_path / "big.xml"
    path.write_text(xml_text(groups(40)))
    monkeypatch.setattr(xml_split.sys, "executable", str(tmp_path / "no-such-python"))
    split, one_pass = one_pass_and_split(path, monkeypatch)
    assert split.to_dict() == one_pass.to_dict()
    assert split.records.equals(one_pass.records)


@pytest.mark.parametrize("where", [0.1, 0.9])
@pytest.mark.parametrize(
    "damage",
    [
        ("<ImagingActivity>", "<ImagingActivity><Unknown/>"),  # not in the schema
        ("</Referrals>", "</Referals>"),  # not well formed
        ("<ImagingActivity>", "<ImagingActivity  "),  # not well formed, mid-tag
    ],
)
def test_an_error_in_either_part_is_reported_as_one_pass_reports_it(
    tmp_path, monkeypatch, split_any_size, where, damage
):
    text = xml_text(groups(60))
    old, new = damage
    at = text.index(old, int(len(text) * where))
    path = tmp_path / "bad.xml"
    path.write_text(text[:at] + new + text[at + len(old) :])
    split, one_pass = one_pass_and_split(path, monkeypatch)
    assert split.file_errors and split.file_errors == one_pass.file_errors
    assert split.to_dict() == one_pass.to_dict()


def test_a_missing_end_of_document_is_reported_as_one_pass_reports_it(
    tmp_path, monkeypatch, split_any_size
):
    path = tmp_path / "cut.xml"
    path.write_text(xml_text(groups(30)).removesuffix("</DIDS>"))
    split, one_pass = one_pass_and_split(path, monkeypatch)
    assert split.file_errors[0].message.startswith("The XML is not well formed at line")
    assert split.file_errors == one_pass.file_errors


@pytest.mark.parametrize(
    "change",
    [
        ("<DIDS>", "<!-- a comment --><DIDS>"),  # before the root
        ("</DIDSRecord>", "</DIDSRecord><!-- </DIDSRecord> -->"),  # between records
        ("<DIDSRecord>", "<?note </DIDSRecord>?><DIDSRecord>"),
        ('encoding="UTF-8"', 'encoding="ISO-8859-1"'),
        ("<DIDS>", '<!DOCTYPE DIDS SYSTEM "dids.dtd"><DIDS>'),
    ],
)
def test_files_a_cut_could_misread_are_read_in_one_pass(tmp_path, split_any_size, change):
    old, new = change
    path = tmp_path / "f.xml"
    path.write_text(xml_text(groups(20)).replace(old, new))
    assert xml_split.split_point(path) is None


def test_a_small_file_is_read_in_one_pass(tmp_path):
    path = tmp_path / "small.xml"
    path.write_text(xml_text(groups(20)))
    assert xml_split.split_point(path) is None


def test_the_second_part_opens_with_the_files_declaration_and_root(tmp_path, split_any_size):
    path = tmp_path / "ns.xml"
    path.write_text(xml_text(groups(20)).replace("<DIDS>", '<DIDS xmlns="urn:nhs:dids">'))
    split = xml_split.split_point(path)
    assert split is not None
    assert split.prefix == b'<?xml version="1.0" encoding="UTF-8"?><DIDS>'
    assert path.read_bytes()[: split.at].endswith(b"</DIDSRecord>")
