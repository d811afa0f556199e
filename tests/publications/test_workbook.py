"""The Table 1 workbook opens in LibreOffice with its sheets, frozen panes and cell types."""

import shutil
import subprocess
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from did.publish.periods import monthly_window, periods_between
from portal.publications import services
from tests.publications.factories import store_records

pytestmark = pytest.mark.django_db

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def release(settings):
    settings.PUBLICATIONS_SUPPRESS_BELOW = 3
    store_records(periods_between("2025-09", "2026-09"), ["RJ1", "RRV", "RR8"], 300)
    release, _ = services.publish_release(monthly_window("2026-09"))
    return release


def download(client, release, extension):
    response = client.get(reverse("publications:table-1-download", args=[release.slug, extension]))
    assert response.status_code == 200
    assert "table-1-modality-provider-counts" in response["Content-Disposition"]
    return response.content


def check_table_1(workbook, cut_off, panes=True):
    assert workbook.sheetnames == ["Cover", "Notes", "Provider"]
    cover = {row[0].value: row[1].value for row in workbook["Cover"].iter_rows(min_row=3)}
    assert cover["Status"] == "Provisional"
    assert cover["Period"] == "April 2026 to September 2026"
    assert cover["Contact"] == "england.did@nhs.net"
    assert cut_off in cover["Extract cut-off"]
    notes = {row[0].value: row[1].value for row in workbook["Notes"].iter_rows(min_row=3)}
    assert "nearest 5" in notes["Rounding"] and "[c]" in notes["Suppression"]
    assert "Fluoroscopy" in notes and "Data quality" in notes
    provider = workbook["Provider"]
    if panes:
        assert provider.freeze_panes == "E5"
    header = [c.value for c in provider[4]]
    assert header == [
        "Region Code", "Org Code", "Provider Name", "Modality",
        "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Year to date",
    ]  # fmt: skip
    rows = list(provider.iter_rows(min_row=5))
    england = [r for r in rows if r[1].value == "ENGLAND"]
    assert england and all(r[2].value == "England" for r in england)
    leeds = [r for r in rows if r[1].value == "RR8"]
    assert leeds[0][0].value == "Y63"
    numbers = [c for r in rows for c in r[4:]]
    assert all(c.data_type == "n" and isinstance(c.value, int) for c in numbers if c.value != "[c]")
    assert sum(1 for c in numbers if c.data_type == "n") > len(numbers) // 2


def test_table_1_downloads_as_the_nhs_england_layout(client, release):
    from django.utils import timezone

    workbook = load_workbook(BytesIO(download(client, release, "xlsx")))
    check_table_1(workbook, f"{timezone.localtime(release.ran_at):%d %B %Y}")
    csv = download(client, release, "csv").decode()
    assert csv.splitlines()[0].startswith("Region Code,Org Code,Provider Name,Modality,Apr,")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is installed by `make test` and CI")
def test_libreoffice_opens_the_table_1_workbook_with_its_sheets_panes_and_types(
    client, release, tmp_path
):
    from django.utils import timezone

    source = tmp_path / "table-1.xlsx"
    source.write_bytes(download(client, release, "xlsx"))
    out = tmp_path / "converted"
    result = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # LibreOffice read every sheet and cell: what it writes back has the same sheets,
    # text and number cells. A headless conversion has no view, so it writes no view
    # settings (frozen panes among them): the panes are checked on our file, above and here.
    converted = load_workbook(out / "table-1.xlsx")
    check_table_1(converted, f"{timezone.localtime(release.ran_at):%d %B %Y}", panes=False)
    assert load_workbook(source)["Provider"].freeze_panes == "E5"
