import json
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from did.publish.periods import monthly_window, periods_between
from portal.publications import services
from portal.store import api as store
from tests.publications.factories import store_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def release():
    store_records(periods_between("2025-09", "2026-09"), ["RJ1", "RRV", "RR8"], 300)
    release, _ = services.publish_release(monthly_window("2026-09"))
    return release


def test_anyone_can_list_the_releases_without_signing_in(client, release):
    response = client.get(reverse("publications:index"))
    assert response.status_code == 200
    assert release.title in response.text
    assert reverse("publications:release", args=[release.slug]) in response.text


def test_the_list_says_when_nothing_is_published_yet(client):
    response = client.get(reverse("publications:index"))
    assert "No statistics have been published yet." in response.text


def test_the_release_page_shows_headline_figures_tables_and_charts(client, release):
    response = client.get(reverse("publications:release", args=[release.slug]))
    assert response.status_code == 200
    england = services.load_table(release, "completeness").row(-1)
    assert f"<strong>{england[1]:,}</strong> imaging tests in England in September 2026" in (
        response.text
    )
    assert 'id="table-modality_provider_counts"' in response.text
    assert "<svg" in response.text and '<title id="chart-modality-title">' in response.text
    assert '<desc id="chart-modality-desc">Bar chart of tests.' in response.text
    assert "style=" not in response.text and "<style" not in response.text
    # The engine that computed the release is the portal's business, not the public's.
    assert "duckdb" not in response.text.lower() and "spark" not in response.text.lower()
    for name in release.table_names:
        for extension in ("csv", "xlsx", "json"):
            assert reverse("publications:table-download", args=[release.slug, name, extension]) in (
                response.text
            )


def test_every_table_downloads_as_csv_xlsx_and_json(client, release):
    for name in release.table_names:
        csv = client.get(reverse("publications:table-download", args=[release.slug, name, "csv"]))
        assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
        key = services.release_file_key(release, f"{name}.csv")
        assert csv.content == store.media().read_bytes(key)
        assert f"did-{release.slug}-{name}.csv" in csv["Content-Disposition"]
        data = client.get(reverse("publications:table-download", args=[release.slug, name, "json"]))
        assert json.loads(data.content)["table"] == name
        xlsx = client.get(reverse("publications:table-download", args=[release.slug, name, "xlsx"]))
        sheet = load_workbook(BytesIO(xlsx.content)).active
        header = csv.content.decode().splitlines()[0].split(",")
        assert [c.value for c in sheet[4]] == header


def test_a_missing_release_table_or_format_is_not_found(client, release):
    assert (
        client.get(reverse("publications:release", args=["2001-01-provisional-v1"])).status_code
        == 404
    )
    bad_table = reverse("publications:table-download", args=[release.slug, "secrets", "csv"])
    assert client.get(bad_table).status_code == 404
    bad_format = reverse("publications:table-download", args=[release.slug, "completeness", "exe"])
    assert client.get(bad_format).status_code == 404
    assert client.get(reverse("publications:chart", args=[release.slug, "nope"])).status_code == 404


def test_charts_download_as_svg_with_a_text_alternative(client, release):
    response = client.get(reverse("publications:chart", args=[release.slug, "monthly"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    text = response.content.decode()
    assert text.startswith("<svg") and "<title" in text and "September 2026:" in text
    assert "style" not in text


def test_the_release_calendar_lists_second_thursdays(client):
    response = client.get(reverse("publications:calendar"))
    assert response.status_code == 200
    assert "Thursday" in response.text and "Provisional monthly" in response.text


def test_long_chart_labels_are_wrapped_on_lines_of_their_own_in_legible_text():
    from xml.etree import ElementTree

    from portal.publications.charts import FONT, WIDTH, WRAP, Bar, bar_chart

    name = "Single Photon Emission Computerized Tomography"
    svg = bar_chart("c", "t", [Bar(name, 12_345), Bar("Fluoroscopy", None)])
    texts = ElementTree.fromstring(svg).findall("{http://www.w3.org/2000/svg}text")
    lines = [t.text for t in texts]
    assert lines[:3] == ["Single Photon Emission", "Computerized Tomography", "12,345"]
    assert lines[-1] == "[c]"
    for text in texts:
        assert float(text.get("x")) >= 0 and int(text.get("font-size")) >= FONT
        assert text.get("text-anchor") == "start"
    assert all(len(line) <= WRAP for line in lines)
    assert int(ElementTree.fromstring(svg).get("width")) == WIDTH


def test_the_release_page_shows_thirteen_months_by_modality_as_chart_and_table(client, release):
    response = client.get(reverse("publications:release", args=[release.slug]))
    assert '<title id="chart-trend-title">' in response.text
    assert 'id="table-trend"' in response.text
    assert "September 2025" in response.text and "Line charts of tests by month" in response.text
    assert "<script" not in response.text.split('id="trend-heading"')[1].split("</section>")[0]
    svg = client.get(reverse("publications:chart", args=[release.slug, "trend"])).content.decode()
    assert svg.count("<polyline") >= 5 and "Sep 2025" in svg


def test_each_provider_has_a_public_page_against_england(client, release):
    listing = client.get(reverse("publications:providers", args=[release.slug]))
    assert listing.status_code == 200
    page_url = reverse("publications:provider", args=[release.slug, "RR8"])
    assert page_url in listing.text
    page = client.get(page_url)
    assert page.status_code == 200
    assert "North East and Yorkshire" in page.text
    counts = services.load_table(release, "modality_provider_counts")
    latest = counts.filter((counts["period"] == "2026-09") & (counts["modality"] == "Fluoroscopy"))
    mine = latest.filter(latest["provider_code"] == "RR8")["activity"][0]
    england = latest.filter(latest["provider_code"] == "ENGLAND")["activity"][0]
    assert f"{mine:,}" in page.text and f"{england:,}" in page.text
    assert f"{mine * 100 / england:.1f}" in page.text
    assert 'id="table-provider-waits"' in page.text and "Request to test: England" in page.text
    assert '<title id="chart-provider-trend-title">' in page.text
    missing = reverse("publications:provider", args=[release.slug, "ZZZ"])
    assert client.get(missing).status_code == 404
