"""Issue 5, done when: in a real browser a submitter uploads a `did synth` file, watches it
validate, reads the report, resubmits a corrected file that supersedes the first, and
downloads it back; another organisation's submitter cannot reach any of it.

Validation runs in a real task worker: `portal db_worker` started as its own process
against the live server's database and record store, exactly as scripts/run.sh and
production run it. The immediate backend would validate inside the upload request, so the
page would never show a file being checked; a worker thread would share the server's
process and settings, hiding any mistake in what the worker reads from its environment.
"""

import datetime

import pyotp
import pytest
from playwright.sync_api import expect

from portal.accounts.roles import Role
from portal.submissions import calendar
from portal.submissions.models import Status, Submission
from tests.accounts.factories import PASSWORD, UserFactory, grant, with_totp
from tests.organisations.factories import TrustFactory
from tests.submissions import processes, synth_files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = 3_000
WAIT_MS = 90_000
# Rules judged against the day the file is received: the synthetic file assumes it is sent
# a week after the month ends, the portal uses the real upload day, so these may not fire.
RECEIPT_DAY_RULES = {"DIDS051", "DIDS066"}
OUR_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
THEIR_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"  # noqa: S105


def reporting_period() -> str:
    """Last month, unless it ended less than a week ago: synthetic records may be reported
    up to a week after the month ends, which must not be after the day of the upload."""
    today = calendar.today()
    if today.day > synth_files.synth.DAYS_TO_RECEIPT:
        return calendar.last_month()
    return calendar.last_month(today.replace(day=1) - datetime.timedelta(days=1))


def sign_in(page, email: str, secret: str) -> None:
    page.goto("/account/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Security code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your account")


def upload(page, path, period: str) -> None:
    """From the account page, through the journey, to the submission's own page."""
    page.goto("/account/")
    page.get_by_role("link", name="Submit a file for RJ1").click()
    page.get_by_label(calendar.period_label(period)).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Upload your file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check the file").click()
    expect(page.locator("h1")).to_have_text(path.name)


def status_tag(page):
    return page.locator("h1 + p .nhsuk-tag").first


def shown_errors(page) -> set[tuple[int, str]]:
    """The (record, rule) pairs on every page of the report's error list."""
    shown = set()
    while True:
        for row in page.locator("#issue-table tbody tr").all():
            record = row.locator('[data-column="record"]').inner_text().split()[-1]
            rule = row.locator('[data-column="rule"]').inner_text().split()[-1]
            shown.add((int(record.replace(",", "")), rule))
        following = page.locator("a[rel=next]")
        if not following.count():
            return shown
        following.click()


def download(page, link_name: str) -> bytes:
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    return open(started.value.path(), "rb").read()


@pytest.fixture
def worker(settings):
    """Yield a function that starts the task worker; it is stopped after the test."""
    started = []

    def start():
        started.append(processes.worker(settings.DID_STORE))

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def test_a_submitter_uploads_watches_reads_resubmits_and_downloads_and_no_one_else_can(
    page, browser, live_server, worker, tmp_path
):
    period = reporting_period()
    first = tmp_path / "rj1-first.csv"
    broken = tmp_path / "rj1-second.csv"
    corrected = tmp_path / "rj1-second-corrected.csv"
    synth_files.write(first, ROWS, period, seed=11)
    injected = synth_files.write(broken, ROWS, period, seed=7, error_rate=0.01)["errors"]
    synth_files.write(corrected, ROWS, period, seed=7)
    synth_files.register_organisations(first, broken, corrected, folder=tmp_path)
    rj1 = TrustFactory(code="RJ1")
    ours = with_totp(UserFactory(email="submitter@rj1.nhs.uk"), OUR_SECRET)
    grant(ours, Role.SUBMITTER, rj1)
    theirs = with_totp(UserFactory(email="submitter@rrv.nhs.uk"), THEIR_SECRET)
    grant(theirs, Role.SUBMITTER, TrustFactory(code="RRV"))

    sign_in(page, ours.email, OUR_SECRET)

    # 1. The first file. No worker is running yet, so the page shows it waiting, then
    # follows the worker on its own: the test neither reloads nor navigates.
    upload(page, first, period)
    assert status_tag(page).inner_text() == "Received"
    panel = page.locator("[data-status-url]")
    expect(panel.get_by_role("heading", name="Checking your file")).to_be_visible()
    expect(panel.locator("[data-refresh-link]")).to_be_hidden()  # the script took over
    polls = []

    def record_poll(route):
        # Pass the server's answer through unchanged, keeping a copy: the page leaves as soon
        # as it reads "finished", too soon to read the last body from a response event.
        answer = route.fetch()
        polls.append(answer.json())
        route.fulfill(response=answer)

    page.route("**/status.json", record_poll)
    for _ in range(100):  # the page polls while the file waits for a worker
        if polls:
            break
        page.wait_for_timeout(100)
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    worker()
    expect(status_tag(page)).to_have_text("Accepted", timeout=WAIT_MS)
    assert polls[0]["finished"] is False and polls[0]["status"] == "received"
    assert polls[-1]["finished"] is True and polls[-1]["status"] == "accepted"
    assert navigations == [live_server.url + polls[-1]["url"]]
    assert page.locator("#record-count").inner_text() == f"{ROWS:,}"
    assert page.locator("#error-count").inner_text() == "0"
    first_url = page.url

    # 2. A second file with errors: rejected, and the report names each rule and record.
    upload(page, broken, period)
    expect(status_tag(page)).to_have_text("Rejected", timeout=WAIT_MS)
    expect(page.get_by_text("File rejected")).to_be_visible()
    expected = {
        (error["record"], error["rule"])
        for error in injected
        if error["severity"] == "error" and error["rule"] not in RECEIPT_DAY_RULES
    }
    assert len(expected) >= 20
    assert expected <= shown_errors(page)
    page.goto(page.url.split("?")[0])
    summary = page.locator("h2:has-text('Issues by rule') + table").inner_text()
    assert all(rule in summary for _, rule in expected)
    assert int(page.locator("#error-count").inner_text().replace(",", "")) >= len(expected)
    issues = download(page, "Download every issue (CSV)").decode().splitlines()
    assert issues[0] == (
        "record_number,site_code,accession_number,rule,severity,item,value,message"
    )
    listed = {(line.split(",")[0], line.split(",")[3]) for line in issues[1:]}
    assert {(str(record), rule) for record, rule in expected} <= listed
    assert page.get_by_role("link", name="Download the accepted records (CSV)").count() == 0
    page.goto(first_url)
    assert status_tag(page).inner_text() == "Accepted"  # a rejected file changes nothing
    page.goto("/submissions/new/RJ1/" + period + "/")
    expect(page.locator("#already-accepted")).to_contain_text("already has an accepted file")

    # 3. The corrected file passes the checks, but the month has an accepted file: it waits
    # until the submitter has seen how it differs and confirms; then it supersedes the first.
    upload(page, corrected, period)
    expect(status_tag(page)).to_have_text("Waiting for you to confirm", timeout=WAIT_MS)
    page.get_by_role("link", name="Check the differences and decide").click()
    expect(page.locator("h1")).to_have_text(
        f"Replace the data for {calendar.period_label(period)}?"
    )
    expect(page.locator("#previous-total")).to_have_text(f"{ROWS:,}")
    expect(page.locator("#new-total")).to_have_text(f"{ROWS:,}")
    expect(page.locator("#total-change")).to_have_text("+0")
    added = int(page.locator("#added").inner_text().replace(",", ""))
    removed = int(page.locator("#removed").inner_text().replace(",", ""))
    assert added == removed > 0  # different synthetic records, the same number of them
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select whether")
    page.get_by_label("Yes, replace the accepted data with this file").check()
    page.get_by_role("button", name="Continue").click()
    expect(status_tag(page)).to_have_text("Accepted")
    assert page.locator("#record-count").inner_text() == f"{ROWS:,}"
    corrected_url = page.url
    back = download(page, "Download the accepted records (CSV)")
    assert back == corrected.read_bytes()
    page.goto(first_url)
    assert status_tag(page).inner_text() == "Superseded"
    expect(page.get_by_text("replaced by a later file for the same month")).to_be_visible()
    page.goto("/submissions/")
    history = page.locator("table").inner_text()
    for name in (first.name, broken.name, corrected.name):
        assert name in history
    statuses = {s.file_name: s.status for s in Submission.objects.all()}
    assert statuses == {
        first.name: Status.SUPERSEDED,
        broken.name: Status.REJECTED,
        corrected.name: Status.ACCEPTED,
    }
    assert page.csp_violations == []
    assert page.external_requests == []
    assert corrected_url != first_url

    # 4. A submitter of another organisation reaches none of it.
    context = browser.new_context(base_url=live_server.url)
    other = context.new_page()
    try:
        sign_in(other, theirs.email, THEIR_SECRET)
        other.goto("/submissions/")
        listing = other.locator("main").inner_text()
        assert all(s.file_name not in listing for s in Submission.objects.all())
        for submission in Submission.objects.all():
            base = f"/submissions/{submission.pk}/"
            assert other.goto(base).status == 404
            for suffix in ("status.json", "issues.csv", "records.csv"):
                assert context.request.get(base + suffix).status == 404, base + suffix
        upload_page = other.goto(f"/submissions/new/RJ1/{period}/")
        assert upload_page.status == 404
    finally:
        context.close()
