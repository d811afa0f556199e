import polars as pl
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from did.cli import cli
from did.codes_import import CodesImportError, import_nicip_mapping
from did.derive import derive
from did.imaging_codes import CODE_COLUMNS, read_codes
from did.reference import load_codes
from did.spec.items import COLUMNS

MAPPING = """NICIP Code,NICIP Short Description,SNOMED CT Concept ID,SNOMED CT Description,Modality,Body Region,Valid From
XCHES,XR Chest,399208008,Plain chest X-ray,X-ray,Chest,2007-04-01
XWRIL,XR Wrist Lt,60027007,Radiography of wrist,XR,Upper limb,20070401
XWRIR,XR Wrist Rt,60027007,Radiography of wrist,XR,Upper limb,01/04/2007
CHEAD,CT Head,408754009,Computed tomography of entire head,CT,Head,
UABDO,US Abdomen,45036003,Ultrasonography of abdomen,Ultrasound,Abdomen,
QWERT,Something new,,,Tomosynthesis,,
"""


def test_it_converts_a_mapping_file_into_the_reference_format(tmp_path):
    source = tmp_path / "nicip.csv"
    source.write_text(MAPPING)
    codes = import_nicip_mapping(source)
    assert codes.columns == list(CODE_COLUMNS)
    nicip = codes.filter(pl.col("code_system") == "NICIP")
    assert nicip["code"].to_list() == ["XCHES", "XWRIL", "XWRIR", "CHEAD", "UABDO", "QWERT"]
    row = nicip.row(1, named=True)
    assert row["modality"] == "Plain Radiography"
    assert row["snomed_map"] == "60027007"
    assert row["valid_from"] == "2007-04-01"
    assert nicip.row(2, named=True)["valid_from"] == "2007-04-01"
    assert nicip.row(5, named=True)["modality"] == "Unknown"  # never guessed from the letter
    snomed = codes.filter(pl.col("code_system") == "SNOMED-CT")
    assert snomed["code"].to_list() == ["399208008", "60027007", "408754009", "45036003"]
    assert snomed.row(1, named=True)["description"] == "Radiography of wrist"
    assert snomed.row(2, named=True)["modality"] == "Computerized Axial Tomography"


def test_the_imported_file_works_with_the_validator_and_the_derivations(tmp_path):
    source, out = tmp_path / "nicip.csv", tmp_path / "codes.csv"
    source.write_text(MAPPING)
    result = CliRunner().invoke(cli, ["codes-import", str(source), str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 6 NICIP codes and 4 SNOMED CT concepts" in result.output
    assert "1 codes have no recognised modality" in result.output
    loaded = load_codes(out)
    assert loaded.height == 10
    frame = pl.DataFrame([{c: "" for c in COLUMNS} | {"nicip_code": "XWRIR"}])
    assert derive(frame, codes=read_codes(out))["body_region"][0] == "Upper limb"


def test_it_reads_a_workbook_with_title_rows_above_the_header(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Annex: NICIP to SNOMED CT mapping"])
    sheet.append([])
    sheet.append(["NICIP code", "Description", "SNOMED CT code", "Modality"])
    sheet.append(["MBRAI", "MRI Brain", 241601008, "MRI"])
    book.save(tmp_path / "map.xlsx")
    codes = import_nicip_mapping(tmp_path / "map.xlsx")
    assert codes.filter(pl.col("code") == "MBRAI")["snomed_map"][0] == "241601008"
    assert set(codes["modality"]) == {"Magnetic Resonance Imaging"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Code,Description,SNOMED CT code\nXCHES,XR Chest,399208009\n", "line 2: '399208009'"),
        ("Code,Description\nXR CHEST,XR Chest\n", "line 2: NICIP code 'XR CHEST'"),
        ("Procedure,Description\nXCHES,XR Chest\n", "no header row naming a NICIP code"),
        ("NICIP,Name\nXCHES,XR Chest\n", "no description column"),
        ("Code,Description,Valid from\nXCHES,XR Chest,April 2007\n", "is not a date"),
    ],
)
def test_a_bad_mapping_file_is_refused_with_the_line_and_reason(tmp_path, content, message):
    source = tmp_path / "bad.csv"
    source.write_text(content)
    with pytest.raises(CodesImportError, match=message):
        import_nicip_mapping(source)
    result = CliRunner().invoke(cli, ["codes-import", str(source), str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert message.split(":")[0] in result.output
    assert not (tmp_path / "o.csv").exists()
