import csv
import datetime

import pytest
from django.core.management import CommandError, call_command

from portal.audit.models import AuditEntry
from portal.organisations.models import Organisation, OrganisationKind

pytestmark = pytest.mark.django_db


def ods_row(
    code, name, postcode="LS1 3EX", opened="20000401", closed="", parent="", region="", icb=""
):
    row = [""] * 27
    row[0], row[1], row[9], row[10], row[11], row[14] = code, name, postcode, opened, closed, parent
    row[2], row[3] = region, icb
    return row


def write(path, rows):
    with path.open("w", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(rows)
    return path


@pytest.fixture
def ods_files(tmp_path):
    etr = write(tmp_path / "etr.csv", [ods_row("RR8", "LEEDS TEACHING HOSPITALS NHS TRUST")])
    ets = write(
        tmp_path / "ets.csv",
        [
            ods_row("RR801", "ST JAMES'S UNIVERSITY HOSPITAL", parent="RR8"),
            ods_row("RR813", "LEEDS GENERAL INFIRMARY", parent="RR8"),
        ],
    )
    gp = write(
        tmp_path / "epraccur.csv",
        [ods_row("B86001", "GLEBE HOUSE SURGERY", parent="15F", region="Y63", icb="QWO")],
    )
    return [etr, ets, gp]


def test_it_imports_trusts_sites_and_practices(ods_files, capsys):
    call_command("import-ods", *map(str, ods_files))
    assert "4 added, 0 updated, 0 closed" in capsys.readouterr().out
    site = Organisation.objects.get(code="RR813")
    assert site.kind == OrganisationKind.NHS_TRUST_SITE
    assert site.parent_code == "RR8"
    assert site.parent.name == "LEEDS TEACHING HOSPITALS NHS TRUST"
    assert site.open_date == datetime.date(2000, 4, 1)
    practice = Organisation.objects.get(code="B86001")
    assert practice.kind == OrganisationKind.GP_PRACTICE
    assert practice.parent_code == ""
    assert (practice.commissioner_code, practice.icb_code, practice.region_code) == (
        "15F",
        "QWO",
        "Y63",
    )
    assert site.commissioner_code == ""


def test_importing_the_same_files_again_changes_nothing(ods_files, capsys):
    call_command("import-ods", *map(str, ods_files))
    before = list(Organisation.objects.values_list("code", "name", "updated_at"))
    call_command("import-ods", *map(str, ods_files))
    assert "0 added, 0 updated, 0 closed, 4 unchanged" in capsys.readouterr().out
    assert list(Organisation.objects.values_list("code", "name", "updated_at")) == before


def test_a_later_file_updates_and_closes_organisations(ods_files, tmp_path, capsys):
    call_command("import-ods", *map(str, ods_files))
    write(
        tmp_path / "ets.csv",
        [
            ods_row("RR801", "ST JAMES'S UNIVERSITY HOSPITAL", parent="RR8", closed="20240331"),
            ods_row("RR813", "LEEDS GENERAL INFIRMARY (NEW NAME)", parent="RR8"),
        ],
    )
    call_command("import-ods", str(tmp_path / "ets.csv"))
    assert "0 added, 2 updated, 1 closed" in capsys.readouterr().out
    assert Organisation.objects.get(code="RR801").close_date == datetime.date(2024, 3, 31)
    assert not Organisation.objects.get(code="RR801").is_open_on(datetime.date(2024, 4, 1))


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (["RR814", "TOO FEW COLUMNS"], "line 2: expected 27 columns, found 2"),
        (ods_row("RR814", "BAD DATE", opened="2000-04-01"), "line 2: open date '2000-04-01'"),
        (ods_row("", "NO CODE"), "line 2: the code '' is not an ODS code"),
        (ods_row("RR8!", "PUNCTUATION"), "line 2: the code 'RR8!' is not an ODS code"),
        (
            ods_row("RR814", "FORMULA PARENT", parent='=HYPERLINK("http://x","RR8")'),
            "line 2: the parent '=HYPERLINK",
        ),
        (ods_row("RR814", "BAD REGION", region="<b>"), "line 2: the national grouping '<b>'"),
        (ods_row("RR814", ""), "line 2: the name is blank"),
    ],
)
def test_a_malformed_file_names_the_line_and_imports_nothing(ods_files, tmp_path, bad_row, message):
    write(tmp_path / "ets.csv", [ods_row("RR801", "ST JAMES'S", parent="RR8"), bad_row])
    with pytest.raises(CommandError) as error:
        call_command("import-ods", *map(str, ods_files))
    assert "ets.csv" in str(error.value)
    assert message in str(error.value)
    assert Organisation.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_an_unknown_file_name_is_refused(tmp_path):
    path = write(tmp_path / "hospitals.csv", [ods_row("RR8", "LEEDS")])
    with pytest.raises(CommandError, match="not a known ODS file name"):
        call_command("import-ods", str(path))


def test_the_portal_command_exits_non_zero_on_a_malformed_file(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path / "etr.csv", [["RR8", "LEEDS"]])
    result = subprocess.run(
        [sys.executable, "-m", "portal.manage", "import-ods", str(path)],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
    )
    assert result.returncode != 0
    assert "etr.csv, line 1: expected 27 columns" in result.stderr


def test_the_demo_data_loads_idempotently(capsys):
    call_command("load_demo")
    count = Organisation.objects.count()
    assert count >= 15
    call_command("load_demo")
    assert Organisation.objects.count() == count
    assert "Demo logins" in capsys.readouterr().out
