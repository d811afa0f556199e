import pytest
from playwright.sync_api import expect

from did.publish.periods import monthly_window, periods_between
from portal.publications import services
from tests.publications.factories import store_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_reads_the_latest_release_and_downloads_a_table(page):
    store_records(periods_between("2025-09", "2026-09"), ["RJ1", "RRV"], 200)
    release, _ = services.publish_release(monthly_window("2026-09"))
    page.goto("/statistics/")
    page.get_by_role("link", name=f"Latest: {release.title}").click()
    expect(page.locator("h1")).to_have_text(release.title)
    chart = page.locator("svg.portal-chart").first
    assert chart.get_attribute("role") == "img"
    assert "Imaging tests in England by modality" in chart.locator("title").text_content()
    bar_colour = chart.locator("rect").first.evaluate("el => getComputedStyle(el).fill")
    assert bar_colour == "rgb(0, 94, 184)"
    table = page.get_by_role("table", name="Imaging activity by modality, England, September 2026")
    assert table.get_by_role("row").count() > 2
    with page.expect_download() as download:
        page.locator("#modality_provider_counts-heading ~ p a", has_text="CSV").click()
    content = open(download.value.path(), encoding="utf-8").read()
    assert content.splitlines()[0] == "period,provider_code,modality,activity"
    assert page.external_requests == []
    assert page.csp_violations == []
