import pyotp
import pytest
from playwright.sync_api import expect

from did.publish.periods import monthly_window, periods_between
from portal.accounts.roles import Role
from portal.publications import services
from tests.accounts.factories import PASSWORD, UserFactory, grant, with_totp
from tests.publications.factories import store_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105


@pytest.fixture
def release():
    store_records(periods_between("2025-09", "2026-09"), ["RJ1", "RRV"], 200)
    release, _ = services.publish_release(monthly_window("2026-09"))
    return release


def test_a_visitor_reads_the_latest_release_and_downloads_a_table(page, release):
    page.goto("/statistics/")
    page.get_by_role("link", name=f"Latest: {release.title}").click()
    expect(page.locator("h1")).to_have_text(release.title)
    chart = page.locator("svg[aria-labelledby^='chart-modality-title']")
    assert chart.get_attribute("role") == "img"
    assert "Imaging tests in England by modality" in chart.locator("title").text_content()
    bar_colour = chart.locator("rect").first.evaluate("el => getComputedStyle(el).fill")
    assert bar_colour == "rgb(0, 94, 184)"
    # The chart's text is drawn at 16 px or more where it is shown, and no label is cut off.
    sizes = chart.locator("text").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize) *"
        " e.ownerSVGElement.getBoundingClientRect().width / e.ownerSVGElement.viewBox.baseVal.width)"
    )
    assert min(sizes) >= 14
    inside = chart.evaluate(
        "svg => { const box = svg.getBoundingClientRect();"
        " return [...svg.querySelectorAll('text')].every(t => {"
        " const r = t.getBoundingClientRect();"
        " return r.left >= box.left - 0.5 && r.right <= box.right + 0.5; }); }"
    )
    assert inside
    table = page.get_by_role("table", name="Imaging activity by modality, England, September 2026")
    assert table.get_by_role("row").count() > 2
    with page.expect_download() as download:
        page.locator("#modality_provider_counts-heading ~ p a", has_text="CSV").click()
    content = open(download.value.path(), encoding="utf-8").read()
    assert content.splitlines()[0].startswith("Month,Region Code,Region Name,ICB Code,Org Code")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").first.click()
    assert download.value.suggested_filename.endswith("table-1-modality-provider-counts.xlsx")
    assert page.external_requests == []
    assert page.csp_violations == []


def test_a_visitor_follows_a_provider_from_the_release_to_its_page_against_england(page, release):
    page.goto(f"/statistics/{release.slug}/")
    trend = page.locator("svg[aria-labelledby^='chart-trend-title']")
    assert "Line charts of tests by month" in trend.locator("desc").text_content()
    expect(
        page.get_by_role("table", name="Imaging tests in England by modality and month")
    ).to_be_visible()
    page.get_by_role(
        "link", name="Each provider's activity and waiting times against England"
    ).click()
    expect(page.locator("h1")).to_have_text("Providers")
    first = page.locator("#providers a").first
    name = first.text_content()
    first.click()
    expect(page.locator("h1")).to_have_text(name)
    activity = page.get_by_role("table", name="Tests by modality, September 2026, against England")
    expect(activity.get_by_role("columnheader", name="Share of England, %")).to_be_visible()
    waits = page.get_by_role("table", name="Median days waited, September 2026, against England")
    expect(waits.get_by_role("columnheader", name="Request to test: England")).to_be_visible()
    assert page.locator("svg[aria-labelledby^='chart-provider-trend-title'] polyline").count() > 0
    assert page.external_requests == []
    assert page.csp_violations == []


def test_a_providers_submitter_reads_its_data_quality_dashboard(page, release):
    from portal.organisations.models import Organisation

    user = with_totp(UserFactory(email="quality@rj1.nhs.uk"), SECRET)
    grant(user, Role.SUBMITTER, Organisation.objects.get(code="RJ1"))
    page.goto("/account/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(pyotp.TOTP(SECRET).now())
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Data quality for RJ1").click()
    expect(page.locator("h1")).to_contain_text("Data quality:")
    summary = page.get_by_role("table", name="Records, default codes and median waits")
    expect(summary.get_by_role("row")).to_have_count(14)  # the header and 13 months
    page.get_by_role("link", name="2026-09").click()
    completeness = page.get_by_role("table", name="Completeness of each item, 2026-09")
    expect(completeness.get_by_role("row", name="GENERAL MEDICAL PRACTICE CODE")).to_be_visible()
    page.goto("/data-quality/")
    expect(page.locator("#quality-organisations a")).to_have_count(1)
    assert page.goto("/data-quality/RRV/").status == 404
    assert page.external_requests == []
    assert page.csp_violations == []
