"""Issue 15.4, done when: on a file with more than 10,000 errors, a submitter filters the
report by rule and pages through it (page count, previous and next) in a real browser."""

import math

import pytest
from playwright.sync_api import expect

from portal.accounts.roles import Role
from portal.submissions import report, services
from portal.submissions.models import Status
from tests.accounts.factories import UserFactory, grant, with_totp
from tests.browser.test_submissions import OUR_SECRET, reporting_period, sign_in
from tests.organisations.factories import TrustFactory
from tests.submissions import synth_files
from tests.submissions.factories import received_submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = 13_000


def test_a_submitter_filters_a_report_of_over_ten_thousand_errors_by_rule_and_pages_it(
    page, tmp_path
):
    period = reporting_period()
    path = tmp_path / "rj1-many-errors.csv"
    synth_files.write(path, ROWS, period, seed=21, error_rate=0.95)
    synth_files.register_organisations(path, folder=tmp_path)
    rj1 = TrustFactory(code="RJ1")
    person = with_totp(UserFactory(email="submitter@rj1.nhs.uk"), OUR_SECRET)
    grant(person, Role.SUBMITTER, rj1)
    submission = received_submission(
        person, rj1, period=period, content=path.read_bytes(), name=path.name
    )
    submission = services.validate(submission.pk)
    assert submission.status == Status.REJECTED and submission.error_count > 10_000
    counts = {c["rule"]: c["count"] for c in submission.rule_counts if c["severity"] == "error"}
    rule = max(counts, key=counts.get)
    rule_pages = math.ceil(counts[rule] / report.PAGE_SIZE)
    assert rule_pages >= 3

    sign_in(page, person.email, OUR_SECRET)
    page.goto(f"/submissions/{submission.pk}/")
    pages = math.ceil(submission.error_count / report.PAGE_SIZE)
    expect(page.locator("#error-count")).to_have_text(f"{submission.error_count:,}")
    expect(page.locator("#issues-shown")).to_have_text(
        f"Showing 1 to 100 of {submission.error_count:,} (page 1 of {pages:,})."
    )
    expect(page.get_by_role("link", name="Upload a corrected file")).to_be_visible()

    # Filter by the rule with most errors: every row shown is that rule's.
    page.locator("#rule-counts").get_by_role("link", name=f"{rule} issues").click()
    expect(page.locator("h2#issues")).to_have_text(f"Issues for rule {rule}")
    expect(page.locator("#issues-shown")).to_contain_text(f"(page 1 of {rule_pages:,})")
    rules_shown = page.locator('#issue-table [data-column="rule"]').all_inner_texts()
    assert len(rules_shown) == report.PAGE_SIZE
    assert {text.split()[-1] for text in rules_shown} == {rule}
    first_record = page.locator('#issue-table [data-column="record"]').first.inner_text()
    assert page.locator("a[rel=prev]").count() == 0

    # Next, next, previous: the page count follows and the rows change.
    navigation = page.get_by_role("navigation", name="Pages of issues")
    navigation.get_by_role("link", name="Next page").click()
    expect(page.locator("#issues-shown")).to_contain_text(f"(page 2 of {rule_pages:,})")
    navigation.get_by_role("link", name="Next page").click()
    expect(page.locator("#issues-shown")).to_contain_text(f"(page 3 of {rule_pages:,})")
    navigation.get_by_role("link", name="Previous page").click()
    expect(page.locator("#issues-shown")).to_contain_text(f"(page 2 of {rule_pages:,})")
    assert page.locator('#issue-table [data-column="record"]').first.inner_text() != first_record
    rules_shown = page.locator('#issue-table [data-column="rule"]').all_inner_texts()
    assert {text.split()[-1] for text in rules_shown} == {rule}

    # And back to every error.
    page.get_by_role("link", name="Show all errors").click()
    expect(page.locator("h2#issues")).to_have_text("Errors")
    assert page.csp_violations == []
    assert page.external_requests == []
