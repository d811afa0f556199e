"""Readers: CSV dialects and encodings, XML structure, zip, and file-level rejects."""

import zipfile

import pytest

from did.spec.items import COLUMNS
from did.validate import validate_file
from did.validate.dates import DATE_ITEMS
from tests.did.records import RECEIVED, VALID, csv_text, record, write_csv, write_xml, xml_text

from .conftest import DATA


def check(path, **kwargs):
    return validate_file(path, received=RECEIVED, **kwargs)


def file_error(report):
    (error,) = report.file_errors
    return error.rule, error.message


# --- CSV ---------------------------------------------------------------------------------


def test_a_header_row_naming_the_items_is_skipped_and_not_counted(tmp_path):
    path = write_csv(tmp_path / "h.csv", [record(1), record(2, gender="7")], header=True)
    report = check(path)
    assert report.record_count == 2
    assert report.issue_table().select("record", "rule").rows() == [(2, "DIDS014")]


def test_a_header_row_may_name_the_items_in_another_order(tmp_path):
    rows = [record(1, gender="1", postcode="LS1 4AP")]
    names = list(reversed(COLUMNS))
    lines = [",".join(names), ",".join(rows[0][c] for c in names)]
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n")
    report = check(path)
    assert report.status == "accepted"
    assert report.records.row(0, named=True)["postcode"] == "LS1 4AP"


def test_a_header_of_data_dictionary_titles_is_recognised(
    tmp_path,
):
    from did.spec.items import ITEMS

    header = ",".join(f'"{item.title}"' for item in ITEMS)
    path = tmp_path / "t.csv"
    path.write_text(header + "\r\n" + csv_text([record(1)]))
    assert check(path).record_count == 1


def test_utf8_with_a_byte_order_mark_and_crlf_line_endings_is_read(tmp_path):
    text = csv_text([record(1), record(2)]).replace("\n", "\r\n")
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    report = check(path)
    assert report.status == "accepted", report.to_dict()
    assert report.records["nhs_number"].to_list() == ["9434765919", "9434765919"]


def test_quoted_fields_may_hold_commas_and_quotes(tmp_path):
    rows = [record(1, accession_number='A,1 "x"')]
    path = write_csv(tmp_path / "q.csv", rows)
    report = check(path)
    assert report.status == "accepted"
    assert report.records["accession_number"].to_list() == ['A,1 "x"']


def test_windows_1252_text_is_decoded(tmp_path):
    path = tmp_path / "w.csv"
    path.write_bytes(csv_text([record(1, accession_number="ACCÉ1")]).encode("cp1252"))
    report = check(path)
    assert report.status == "accepted"
    assert report.records["accession_number"].to_list() == ["ACCÉ1"]


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 7])  # a line may span two chunks
def test_undecodable_bytes_reject_the_file_naming_the_line(tmp_path, monkeypatch, chunk_bytes):
    import did.read.csv as reader

    monkeypatch.setattr(reader, "_CHUNK", chunk_bytes)
    path = tmp_path / "u.csv"
    rows = csv_text([record(1), record(2)]).encode()
    path.write_bytes(rows + b"caf\xe9,\x81\x8d,\n" + rows)
    assert file_error(check(path)) == (
        "DIDP103",
        "Line 3 holds a byte (0x81) that is neither UTF-8 nor Windows-1252 text. "
        "Save the file as UTF-8 and upload it again.",
    )


def test_nul_bytes_reject_the_file(tmp_path):
    path = tmp_path / "n.csv"
    path.write_bytes(csv_text([record(1)]).encode() + b"\x00")
    rule, message = file_error(check(path))
    assert rule == "DIDP103" and "NUL" in message


def test_utf16_is_refused_with_advice(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes(csv_text([record(1)]).encode("utf-16"))
    rule, message = file_error(check(path))
    assert rule == "DIDP103" and "UTF-8" in message


def test_a_line_with_the_wrong_number_of_columns_rejects_the_file_naming_the_line(tmp_path):
    text = csv_text([record(1), record(2), record(3)]).splitlines()
    text[2] = text[2] + ",extra"
    path = tmp_path / "c.csv"
    path.write_text("\n".join(text) + "\n")
    report = check(path)
    assert report.status == "rejected" and report.record_count == 0
    rule, message = file_error(report)
    assert rule == "DIDS075"
    assert message.startswith("Line 3 has 19 columns; every line must have 18")


def test_a_short_line_is_found_too(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(csv_text([record(1)]) + "a,b,c\n")
    assert file_error(check(path)) == (
        "DIDS075",
        "Line 2 has 3 columns; every line must have 18 (the data items in order, "
        "separated by commas).",
    )


@pytest.mark.parametrize("content", [b"", b"   \r\n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n\r\n"])
def test_an_empty_file_is_rejected(tmp_path, content):
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    assert file_error(check(path)) == ("DIDP101", "The file is empty.")


def test_a_header_without_records_is_rejected(tmp_path):
    path = write_csv(tmp_path / "h.csv", [], header=True)
    assert file_error(check(path))[0] == "DIDP108"


def general_reader_only(monkeypatch):
    """Offer no file to the whole-file scan (did.read.plain), so the batch reader runs."""
    import did.validate

    monkeypatch.setattr(did.validate, "plain_csv", lambda *_: None)


def test_a_file_is_read_in_batches_with_continuous_record_numbers(tmp_path, monkeypatch):
    import did.read.csv as reader

    general_reader_only(monkeypatch)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 1024)
    rows = [record(n) for n in range(1, 301)]
    rows[250] = record(251, gender="5")
    path = write_csv(tmp_path / "big.csv", rows)
    seen = []
    report = check(path, progress=seen.append)
    assert len(seen) > 5 and seen[-1] == 300
    assert report.issue_table().select("record", "rule").rows() == [(251, "DIDS014")]
    assert report.records["record_number"].to_list() == list(range(1, 301))


@pytest.mark.parametrize(
    "late",
    [
        ("quoted", lambda text: text.replace("ACC0000250", '"ACC,0000250"')),
        ("blank line", lambda text: text.replace("ACC0000250\n", "ACC0000250\n\n")),
        ("CRLF", lambda text: text.replace("\n", "\r\n")),
    ],
    ids=lambda late: late[0],
)
def test_plain_blocks_and_the_general_reader_give_the_same_records(tmp_path, monkeypatch, late):
    # Early blocks are plain (no quotes, no blank lines) and take the Polars path; a later
    # block that is not plain hands over to pyarrow, which must carry on at the next record.
    import did.read.csv as reader

    general_reader_only(monkeypatch)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 2048)
    rows = [record(n) for n in range(1, 301)]
    path = tmp_path / "mixed.csv"
    path.write_bytes(late[1](csv_text(rows)).encode("utf-8"))
    frame = check(path).records
    assert frame["record_number"].to_list() == list(range(1, 301))
    expected = [f"ACC{n:07d}" for n in range(1, 301)]
    if late[0] == "quoted":
        expected[249] = "ACC,0000250"
    assert frame["accession_number"].to_list() == expected
    assert frame["site_code"].to_list() == ["RR813"] * 300


def test_a_short_line_in_a_plain_block_is_named(tmp_path, monkeypatch):
    import did.read.csv as reader

    general_reader_only(monkeypatch)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 2048)
    lines = csv_text([record(n) for n in range(1, 101)]).splitlines()
    lines[79] = lines[79].rsplit(",", 1)[0]  # 17 fields, and no other sign of damage
    path = tmp_path / "short.csv"
    path.write_text("\n".join(lines) + "\n")
    assert file_error(check(path))[1].startswith("Line 80 has 17 columns")


def test_a_plain_file_is_scanned_whole_and_says_how_far_it_got(tmp_path, whole_file_scans):
    rows = [record(n) for n in range(1, 301)]
    rows[250] = record(251, gender="5")
    seen = []
    report = check(write_csv(tmp_path / "plain.csv", rows), progress=seen.append)
    assert whole_file_scans == [True] and seen[-1] == 300
    assert report.issue_table().select("record", "rule").rows() == [(251, "DIDS014")]
    assert report.records["record_number"].to_list() == list(range(1, 301))


@pytest.mark.parametrize(
    "damage",
    [
        ("short line", lambda lines: lines.__setitem__(79, lines[79].rsplit(",", 1)[0])),
        ("long line", lambda lines: lines.__setitem__(79, lines[79] + ",extra")),
        ("blank line", lambda lines: lines.insert(79, "")),
        (
            "short and long",
            lambda lines: (
                lines.__setitem__(9, lines[9].rsplit(",", 1)[0]),
                lines.__setitem__(79, lines[79] + ",x"),
            ),
        ),
        ("not UTF-8", lambda lines: lines.__setitem__(79, lines[79] + "\udce9")),
    ],
    ids=lambda damage: damage[0],
)
def test_damage_the_whole_file_scan_cannot_see_is_left_to_the_general_reader(
    tmp_path, monkeypatch, damage, whole_file_scans
):
    # The scan pads a short line and reads a blank one as a row of empty fields; the byte
    # count catches both, and the general reader's answer is the one given.
    lines = csv_text([record(n) for n in range(1, 101)]).splitlines()
    damage[1](lines)
    path = tmp_path / "damaged.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    report = check(path)
    # Bytes that are not UTF-8 among the first rows, which judge the column order, keep
    # the file from the scan at once; elsewhere the scan finds them (see below).
    assert whole_file_scans == ([] if damage[0] == "not UTF-8" else [False])
    if damage[0] == "not UTF-8":  # read as Windows-1252 instead
        assert report.records["accession_number"][79].endswith("é")
    elif damage[0] == "blank line":  # skipped
        assert report.record_count == 100 and report.issue_table().height == 0
    else:
        assert report.file_errors[0].rule == "DIDS075" and report.record_count == 0
    general_reader_only(monkeypatch)
    assert report.to_dict() == check(path).to_dict()


@pytest.mark.parametrize("keep_records", [True, False])
def test_a_long_last_line_without_a_line_end_cannot_balance_a_short_line(
    tmp_path, whole_file_scans, keep_records
):
    # Polars drops an empty extra field on an unterminated last line without a word; a
    # short line elsewhere, padded by one field, would then balance the byte count.
    lines = csv_text([record(n) for n in range(1, 5)]).splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0]
    lines[3] += ","
    path = tmp_path / "balanced.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = check(path, keep_records=keep_records)
    assert whole_file_scans == []  # not offered to the whole-file scan: it cannot see this
    assert file_error(report) == (
        "DIDS075",
        "Line 2 has 17 columns; every line must have 18 (the data items in order, separated "
        "by commas).",
    )


def every_path_agrees(path, monkeypatch, whole_file_scans, reference, codes) -> dict:
    """Validate `path` by the whole-file scan keeping records (every item trimmed first),
    by it keeping none (screened, see checks.screen) and by the general reader; all three
    must give the same report, the first and last the same records. Returns the report.
    The records on which rules fire are taken back from disk a few at a time."""
    from did.validate import whole_file

    monkeypatch.setattr(whole_file, "FIRED_SLICE", 7)
    whole = check(path, reference=reference, codes=codes)
    screened = check(path, reference=reference, codes=codes, keep_records=False)
    assert whole_file_scans == [True, True]
    general_reader_only(monkeypatch)
    batches = check(path, reference=reference, codes=codes)
    assert whole.to_dict() == screened.to_dict() == batches.to_dict()
    assert whole.records.equals(batches.records)
    return whole.to_dict()


@pytest.mark.parametrize("dialect", ["plain", "header", "bom and crlf", "header, bom and crlf"])
def test_the_whole_file_scan_and_the_general_reader_give_the_same_report(
    tmp_path, monkeypatch, reference, codes, dialect, whole_file_scans
):
    from tests.did.test_validate_rules import CASES

    rows = [record(n + 1, **changes) for n, (_, changes, _, _) in enumerate(CASES)]
    rows += [record(len(rows) + 1, accession_number=rows[0]["accession_number"])]  # DIDS071
    text = csv_text(rows, header="header" in dialect)
    if "crlf" in dialect:
        text = "\ufeff" + text.replace("\n", "\r\n")
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8", newline="")
    report = every_path_agrees(path, monkeypatch, whole_file_scans, reference, codes)
    assert report["errors"] > 40 and "DIDS071" in report["rule_counts"]


PADDING = [" ", "\t", "\u00a0", "  \t", "\u3000"]


@pytest.mark.parametrize("with_reference", [True, False], ids=["reference", "no reference"])
def test_values_padded_with_white_space_give_the_same_report_either_way(
    tmp_path, monkeypatch, reference, codes, whole_file_scans, with_reference
):
    # Screening leaves most items untrimmed and checks again, trimmed, only the records on
    # which a rule fires there. Padding any kind of value, valid or not, must not show.
    from tests.did.test_validate_rules import CASES

    rows = [record(n + 1, **changes) for n, (_, changes, _, _) in enumerate(CASES)]
    valid = [record(len(rows) + n + 1) for n in range(len(COLUMNS) * len(PADDING))]
    for n, row in enumerate(rows + valid):
        for i, item in enumerate(COLUMNS):
            pad = PADDING[(n + i) % len(PADDING)]
            row[item] = {0: pad + row[item], 1: row[item] + pad, 2: pad + row[item] + pad}.get(
                (n * 7 + i) % 4, row[item]
            )
    rows += valid
    # Values that pass a rule only while padded: ten bytes the date parser reads by
    # skipping the leading white space, and codes one character too short when trimmed.
    lenient_dates = {item: "\t" + VALID[item].replace("-0", "-", 1) for item in DATE_ITEMS}
    short_codes = {"gp_practice": " AB", "referring_org": "\tRR", "site_code": " RR81"}
    blanks = {"gp_practice": " \t ", "site_code": "\u00a0", "accession_number": "   "}
    for changes in [*({item: value} for item, value in lenient_dates.items()),
                    *({item: value} for item, value in short_codes.items()), blanks]:  # fmt: skip
        rows.append(record(len(rows) + 1, **changes))
    path = write_csv(tmp_path / "padded.csv", rows)
    if not with_reference:
        reference = codes = None
    report = every_path_agrees(path, monkeypatch, whole_file_scans, reference, codes)
    assert report["errors"] > 40


# --- XML ---------------------------------------------------------------------------------


def test_xml_and_csv_of_the_same_records_give_the_same_report(tmp_path, reference, codes):
    from tests.did.test_validate_rules import CASES

    rows = [record(n + 1, **changes) for n, (_, changes, _, _) in enumerate(CASES)]
    csv_report = check(write_csv(tmp_path / "r.csv", rows), reference=reference, codes=codes)
    xml_report = check(write_xml(tmp_path / "r.xml", rows), reference=reference, codes=codes)
    as_csv, as_xml = csv_report.to_dict(), xml_report.to_dict()
    assert (as_csv.pop("format"), as_xml.pop("format")) == ("csv", "xml")
    assert as_csv == as_xml
    assert as_csv["errors"] > 40
    assert csv_report.records.equals(xml_report.records)


def test_each_imaging_activity_is_a_record_carrying_its_patient_and_referral(tmp_path):
    group = [record(1), record(2, test_date="2026-09-11"), record(3, test_date="2026-09-12")]
    other = [record(4, nhs_number="4010232137", patient_source_setting="05")]
    path = tmp_path / "multi.xml"
    path.write_text(xml_text([group, other]))
    report = check(path)
    assert report.status == "accepted"
    frame = report.records
    assert frame["record_number"].to_list() == [1, 2, 3, 4]
    assert frame["nhs_number"].to_list() == ["9434765919"] * 3 + ["4010232137"]
    assert frame["patient_source_setting"].to_list() == ["03", "03", "03", "05"]
    assert frame["test_date"].to_list()[:3] == ["2026-09-10", "2026-09-11", "2026-09-12"]


def test_a_namespaced_document_is_read(tmp_path):
    text = xml_text([[record(1)]]).replace("<DIDS>", '<DIDS xmlns="urn:nhs:dids">')
    path = tmp_path / "ns.xml"
    path.write_text(text)
    assert check(path).records["site_code"].to_list() == ["RR813"]


def test_malformed_xml_is_rejected_with_line_and_column(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text("<?xml version='1.0'?>\n<DIDS>\n  <DIDSRecord>\n  </DIDS>\n")
    rule, message = file_error(check(path))
    assert rule == "DIDS076"
    assert message.startswith("The XML is not well formed at line 4, column 5")


def test_an_unknown_root_element_is_rejected(tmp_path):
    path = tmp_path / "root.xml"
    path.write_text("<Submission><DIDSRecord/></Submission>")
    assert file_error(check(path)) == (
        "DIDS076",
        "The root element is Submission; a DID XML file starts with <DIDS>.",
    )


def test_xml_without_records_is_rejected(tmp_path):
    path = tmp_path / "none.xml"
    path.write_text("<DIDS></DIDS>")
    assert file_error(check(path))[0] == "DIDP108"


def test_a_did_record_without_an_imaging_activity_is_rejected(tmp_path):
    path = tmp_path / "noact.xml"
    path.write_text(
        xml_text([[record(1)]]).replace("<DIDSRecord>", "<DIDSRecord></DIDSRecord><DIDSRecord>")
    )
    assert file_error(check(path)) == ("DIDS076", "DIDSRecord number 1 has no ImagingActivity.")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<DIDS><DIDSRecord><ImagingActivity><RadiologicalAccessionNumber extension="&lol9;"/>
</ImagingActivity></DIDSRecord></DIDS>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE DIDS [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<DIDS><DIDSRecord><ImagingActivity><RadiologicalAccessionNumber extension="&xxe;"/>
</ImagingActivity></DIDSRecord></DIDS>"""

PLAIN_DOCTYPE = b"""<?xml version="1.0"?><!DOCTYPE DIDS SYSTEM "http://example.invalid/dids.dtd">
<DIDS/>"""


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY, PLAIN_DOCTYPE])
def test_hostile_xml_is_rejected_cleanly(tmp_path, content):
    path = tmp_path / "hostile.xml"
    path.write_bytes(content)
    report = check(path)
    assert report.status == "rejected"
    rule, message = file_error(report)
    assert rule == "DIDP106" and "DOCTYPE" in message
    assert "root:" not in report.to_json()


# --- zip ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["inner.csv", "inner.xml"])
def test_a_zip_holding_one_file_is_read(tmp_path, name):
    rows = [record(1), record(2, gender="8")]
    inner = (write_csv if name.endswith("csv") else write_xml)(tmp_path / name, rows)
    path = tmp_path / "upload.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(inner, name)
    report = check(path)
    assert report.format == name[-3:]
    assert report.issue_table().select("record", "rule").rows() == [(2, "DIDS014")]


def test_a_zip_holding_two_files_is_rejected(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", csv_text([record(1)]))
        archive.writestr("b.csv", csv_text([record(2)]))
    assert file_error(check(path)) == (
        "DIDP107",
        "The zip file holds 2 files; it must hold exactly one CSV or XML file.",
    )


def test_a_zip_that_inflates_far_beyond_any_did_file_is_refused_unread(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", csv_text([record(1)]) * 40_000)  # 1,000 to 1 or so
    (member,) = zipfile.ZipFile(path).infolist()
    assert member.file_size > 200 * member.compress_size > 0
    assert file_error(check(path)) == (
        "DIDP107",
        "The file inside the zip expands to more than 50 times its compressed size (or past "
        "4 GiB), which no DID extract does: it is refused as a possible zip bomb.",
    )


def test_a_zip_bomb_is_stopped_within_a_mebibyte_of_the_limit(tmp_path, monkeypatch):
    from pathlib import Path

    import did.read.zip as unzip

    written = []
    real_open = Path.open

    def counting_open(self, mode="r", *args, **kwargs):
        handle = real_open(self, mode, *args, **kwargs)
        if self.name == "member" and "w" in mode:
            real_write = handle.write
            handle.write = lambda chunk: written.append(len(chunk)) or real_write(chunk)
        return handle

    monkeypatch.setattr(Path, "open", counting_open)
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", b"0" * (64 << 20))  # 64 MiB of one byte: about 1,000 to 1
    (member,) = zipfile.ZipFile(path).infolist()
    assert file_error(check(path))[0] == "DIDP107"
    # Never more than 50 times the compressed size (or the first MiB) is written out.
    assert sum(written) <= max(50 * member.compress_size, 1 << 20)
    assert unzip.MAX_UNCOMPRESSED_BYTES <= 4 << 30


def test_a_zip_holding_only_a_hidden_file_says_so(tmp_path):
    path = tmp_path / "hidden.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__MACOSX/._a.csv", b"\x00\x05")
    assert file_error(check(path)) == (
        "DIDP107",
        "The zip file holds 0 files (besides 1 hidden, which are ignored); it must hold "
        "exactly one CSV or XML file.",
    )


def test_a_damaged_zip_is_rejected(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 10)
    assert file_error(check(path))[0] == "DIDP107"


def test_the_fixture_files_validate_as_documented():
    valid = check(DATA / "valid.csv")
    assert valid.status == "accepted" and valid.record_count == 3
    assert check(DATA / "valid.xml").to_dict()["issues"] == valid.to_dict()["issues"]
    invalid = check(DATA / "invalid.csv")
    assert invalid.status == "rejected"
    assert set(invalid.rule_counts) == {"DIDS001", "DIDS014", "DIDS071", "DIDS023"}


def test_a_line_break_inside_a_quoted_field_is_part_of_the_value(tmp_path, monkeypatch):
    import did.read.csv as reader

    monkeypatch.setattr(reader, "BLOCK_BYTES", 2048)
    rows = [record(n) for n in range(1, 101)]
    rows[60] = record(61, accession_number="ACC\nSIXTY-ONE")
    path = write_csv(tmp_path / "nl.csv", rows)
    report = check(path)
    assert report.status == "accepted", report.to_dict()
    frame = report.records
    assert frame["record_number"].to_list() == list(range(1, 101))
    assert frame["accession_number"][60] == "ACC\nSIXTY-ONE"
    assert frame["accession_number"][99] == "ACC0000100"


def test_xml_values_as_element_text_and_without_group_elements_are_read(tmp_path):
    path = tmp_path / "flat.xml"
    path.write_text(
        "<DIDS><DIDSRecord>"
        "<NHSNumber>9434765919</NHSNumber><PersonGenderCode>1</PersonGenderCode>"
        '<PatientSourceSetting code="04"/><ReferringOrgCode extension="RR8"/>'
        "<DiagnosticTestReqDate>2026-09-01</DiagnosticTestReqDate>"
        "<ImagingActivity><ImagingCodeNICIP>XCHES</ImagingCodeNICIP>"
        "<DiagnosticTestDate>2026-09-10</DiagnosticTestDate>"
        "<ImagingSiteCode>RR813</ImagingSiteCode>"
        "<RadiologicalAccessionNumber> A 1 </RadiologicalAccessionNumber></ImagingActivity>"
        "</DIDSRecord></DIDS>"
    )
    report = check(path)
    assert report.status == "accepted", report.to_dict()
    row = report.records.row(0, named=True)
    assert row["nhs_number"] == "9434765919" and row["gender"] == "1"
    assert row["nicip_code"] == "XCHES" and row["accession_number"] == "A 1"
    assert row["patient_source_setting"] == "04" and row["birth_date"] is None


# --- Lines no DID record could be, and quotes left open -----------------------------------


def test_a_line_far_longer_than_any_record_is_rejected_before_it_is_parsed(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(csv_text([record(1)]) + "," * 300_000 + "\n" + csv_text([record(3)]))
    assert file_error(check(path)) == (
        "DIDP102",
        "Line 2 is longer than 65,536 characters; a DID record is a few hundred at most. "
        "Check that the file is a DID extract with one record to a line.",
    )


@pytest.mark.parametrize(
    ("lines", "too_long"),
    [
        (["x" * 10, "y" * 10, "z" * 10], None),  # every line at the limit, no final break
        (["x" * 10, "y" * 11, "z"], 2),
        (["x", "y", "", "z" * 11], 4),  # the last line, with no break after it
        (["x" * 25], 1),
    ],
)
def test_line_lengths_are_checked_exactly_at_the_limit(tmp_path, monkeypatch, lines, too_long):
    import did.read.csv as reader

    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 10)  # in messages
    monkeypatch.setattr("did.bytescan.MAX_LINE_BYTES", 10)  # in the scan
    path = tmp_path / "l.csv"
    path.write_text("\n".join(lines))
    if too_long is None:
        reader.reject_long_lines(path)
        return
    with pytest.raises(reader.FileRejected, match=f"^Line {too_long} is longer than 10 "):
        reader.reject_long_lines(path)


def test_a_long_run_of_nul_bytes_is_called_not_text(tmp_path):
    path = tmp_path / "zeros.csv"
    path.write_bytes(b"\x00" * 200_000)
    rule, message = file_error(check(path))
    assert rule == "DIDP103" and "NUL" in message


@pytest.mark.parametrize(("field", "found"), [("nhs_number", 1), ("gp_practice", 7)])
def test_a_quote_left_open_is_named_by_the_line_it_opens_on(tmp_path, field, found):
    rows = [record(n) for n in range(1, 6)]
    rows[2][field] = '"' + rows[2][field]  # opened, never closed
    path = tmp_path / "q.csv"
    path.write_text("".join(",".join(row[c] for c in COLUMNS) + "\n" for row in rows))
    assert file_error(check(path)) == (
        "DIDS075",
        "Line 3 opens a quoted value that is not closed on that line, so it runs on to line "
        f"5: check the quotes on line 3. Read that way, the record has {found} column"
        f"{'' if found == 1 else 's'}.",
    )


def test_a_header_in_another_order_must_name_every_item_once(tmp_path):
    names = list(reversed(COLUMNS))
    data = ",".join(record(1)[c] for c in names)
    misspelt = [*names[:2], "REFERER CODE", *names[3:]]
    twice = [*names[:-1], names[0]]
    path = tmp_path / "h.csv"
    path.write_text(",".join(misspelt) + "\n" + data + "\n")
    rule, message = file_error(check(path))
    assert rule == "DIDS075" and 'not item names: column 3 "REFERER CODE"' in message
    path.write_text(",".join(twice) + "\n" + data + "\n")
    rule, message = file_error(check(path))
    assert rule == "DIDS075" and f"named more than once: {names[0]}" in message


def test_a_header_in_item_order_with_names_we_do_not_know_is_read_in_item_order(tmp_path):
    names = list(COLUMNS)
    names[2] = "DOB"
    path = tmp_path / "h.csv"
    path.write_text(",".join(names) + "\n" + csv_text([record(1)]))
    report = check(path)
    assert report.status == "accepted" and report.record_count == 1


# --- XML that does not follow the schema's elements ---------------------------------------


def test_an_element_the_schema_does_not_have_rejects_the_file(tmp_path):
    path = write_xml(tmp_path / "ok.xml", [record(1), record(2)])
    good = path.read_text()
    misspelt = good.replace("<PersonBirthDate>", "<PersonBirthDat>", 1).replace(
        "</PersonBirthDate>", "</PersonBirthDat>", 1
    )
    assert good != misspelt
    path.write_text(misspelt)
    assert file_error(check(path)) == (
        "DIDS076",
        "DIDSRecord number 1 holds <PersonBirthDat> inside <PersonalAndDemographics>, which "
        "the DIDS schema does not allow there: check the element names and nesting (what it "
        "holds would not be read).",
    )
    path.write_text(
        good.replace("<DIDSRecord>", "<Batch><DIDSRecord>", 1).replace(
            "</DIDSRecord>", "</DIDSRecord></Batch>", 1
        )
    )
    assert file_error(check(path))[1].startswith("<DIDS> holds <Batch>, which the DIDS")


def test_an_item_given_twice_in_one_place_rejects_the_file(tmp_path):
    path = write_xml(tmp_path / "ok.xml", [record(1), record(2)])
    site = '<ImagingSiteCode extension="RR813"/>'
    text = path.read_text()
    assert site in text
    path.write_text(text.replace(site, site + '<ImagingSiteCode extension="RR899"/>', 1))
    assert file_error(check(path)) == (
        "DIDS076",
        "DIDSRecord number 1 gives <ImagingSiteCode> twice in one ImagingActivity; the DIDS "
        "schema allows it once.",
    )


def test_the_parts_of_an_item_are_the_item_s_own(tmp_path):
    path = write_xml(tmp_path / "ok.xml", [record(1)])
    text = path.read_text()
    assert "<postalCode>" in text
    path.write_text(text.replace("<postalCode>", "<country>GB</country><postalCode>"))
    report = check(path)
    assert report.status == "accepted", report.to_dict()
    assert report.records["postcode"].to_list() == [VALID["postcode"]]


def test_utf16_xml_is_read(tmp_path):
    path = write_xml(tmp_path / "ok.xml", [record(1), record(2, gender="7")])
    text = path.read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path.write_bytes(text.encode("utf-16"))
    report = check(path)
    assert report.format == "xml" and report.record_count == 2
    assert report.issue_table().select("record", "rule").rows() == [(2, "DIDS014")]


def test_an_issue_quotes_a_long_value_only_in_part(tmp_path):
    accession = "A" * 99 + "BC" + "D" * 199
    path = write_csv(tmp_path / "v.csv", [record(1, accession_number=accession)])
    (issue,) = check(path).to_dict()["issues"]
    assert issue["rule"] == "DIDS072"
    assert issue["value"] == "A" * 99 + "B… (300 characters)"


# --- Scanning through a memory map, a window at a time ------------------------------------


@pytest.fixture
def one_page_windows(monkeypatch):
    import mmap

    import did.bytescan as mapped

    monkeypatch.setattr(mapped, "WINDOW", mmap.PAGESIZE)
    return mmap.PAGESIZE


@pytest.mark.parametrize("where", ["start", "page end", "next page", "last byte"])
def test_bytes_are_found_in_any_window_and_let_go_pages_read_back(
    tmp_path, one_page_windows, where
):
    import mmap

    from did.bytescan import found

    page = one_page_windows
    content = bytearray(b"a,b\n" * (page // 2))  # two pages
    at = {"start": 0, "page end": page - 1, "next page": page, "last byte": len(content) - 1}
    content[at[where]] = ord('"')
    path = tmp_path / "f.csv"
    path.write_bytes(bytes(content))
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        assert found(data, b'"', b"\x00", b"\r") == {b'"'}
        assert data[:] == bytes(content)  # pages let go are read again from the file


def test_a_long_line_is_found_after_the_pages_before_it_were_let_go(
    tmp_path, monkeypatch, one_page_windows
):
    import did.read.csv as reader

    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 100)  # in messages
    monkeypatch.setattr("did.bytescan.MAX_LINE_BYTES", 100)  # in the scan
    lines = ["x" * 50] * (one_page_windows // 10) + ["y" * 101, "z"]
    path = tmp_path / "l.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(reader.FileRejected, match=f"^Line {len(lines) - 1} is longer than 100 "):
        reader.reject_long_lines(path)
