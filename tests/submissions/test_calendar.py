"""The submission calendar: periods, the window, the publication cut-off, late files."""

from datetime import date

import pytest
import time_machine

from portal.submissions import calendar
from portal.submissions.models import Timeliness


def test_the_reporting_period_is_the_month_of_the_test():
    assert calendar.period_of(date(2026, 10, 31)) == "2026-10"


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "October", "", "2026-00"])
def test_a_malformed_period_is_refused(bad):
    with pytest.raises(calendar.InvalidPeriod):
        calendar.parse_period(bad)


@time_machine.travel("2027-01-05 12:00:00+00:00")
def test_the_default_period_is_last_month_even_across_a_new_year():
    assert calendar.last_month() == "2026-12"
    assert calendar.recent_periods()[:2] == ["2027-01", "2026-12"]


def test_the_national_deadlines_are_the_26th_and_the_end_of_the_next_month():
    limits = calendar.deadlines("2026-10")
    assert limits.publication_cutoff == date(2026, 11, 26)
    assert limits.window_closes == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (date(2026, 11, 3), Timeliness.ON_TIME),
        (date(2026, 11, 26), Timeliness.ON_TIME),
        (date(2026, 11, 27), Timeliness.AFTER_PUBLICATION_CUTOFF),
        (date(2026, 11, 30), Timeliness.AFTER_PUBLICATION_CUTOFF),
        (date(2026, 12, 1), Timeliness.LATE),
    ],
)
def test_files_are_marked_by_when_they_arrive(received, expected):
    assert calendar.timeliness("2026-10", received) == expected


def test_the_window_and_cut_off_are_settings(settings):
    settings.SUBMISSIONS_WINDOW_MONTHS = 3
    settings.SUBMISSIONS_PUBLICATION_CUTOFF_DAY = 20
    limits = calendar.deadlines("2026-10")
    assert limits.publication_cutoff == date(2026, 11, 20)
    assert limits.window_closes == date(2027, 1, 31)
    assert calendar.timeliness("2026-10", date(2026, 12, 15)) == Timeliness.AFTER_PUBLICATION_CUTOFF


def test_a_cut_off_day_beyond_the_month_end_is_the_last_day(settings):
    settings.SUBMISSIONS_PUBLICATION_CUTOFF_DAY = 31
    assert calendar.deadlines("2027-01").publication_cutoff == date(2027, 2, 28)


def test_a_late_upload_is_marked_late_in_the_history(client, submitter):
    from portal.submissions.models import Submission
    from tests.submissions.factories import csv_file

    with time_machine.travel("2026-12-02 09:00:00+00:00"):
        client.force_login(submitter)
        submitter_client = client
        submitter_client.post("/submissions/new/RX1/2026-10/", {"file": csv_file()})
        page = submitter_client.get("/submissions/").content.decode()
    assert Submission.objects.get().timeliness == Timeliness.LATE
    assert 'nhsuk-tag--yellow">Late</strong>' in page


@time_machine.travel("2026-12-05 12:00:00+00:00")
def test_the_chooser_offers_last_month_first_and_the_unfinished_month_last(client, submitter):
    from portal.organisations.models import Organisation
    from portal.submissions import services

    client.force_login(submitter)  # inside the travelled time, so the session is fresh

    choices = services.period_choices(Organisation.objects.get(code="RX1"))
    periods = [c.period for c in choices]
    assert periods[0] == "2026-11" and periods[-1] == "2026-12"
    assert periods == ["2026-11", "2026-10", "2026-09", "2026-08", "2026-07", "2026-06", "2026-12"]
    hints = {c.period: c.hint for c in choices}
    assert "Due by 26 December 2026" in hints["2026-11"]
    assert "Window closed on 30 November 2026: a file now will be late." in hints["2026-10"]
    assert "not over yet" in hints["2026-12"]
    html = client.get("/submissions/new/RX1/").content.decode()
    assert (
        html.index('value="2026-11"')
        < html.index('value="2026-10"')
        < html.index('value="2026-12"')
    )
    assert 'value="2026-11" id="id_period_0" checked' in html
    assert 'aria-describedby="id_period_1-hint"' in html
    assert 'id="id_period_1-hint">Window closed on 30 November 2026' in html


@time_machine.travel("2026-11-28 12:00:00+00:00")
def test_the_chooser_marks_months_already_accepted_and_past_the_cut_off(submitter, trust):
    from portal.submissions import services
    from tests.submissions.factories import outcome, received_submission

    submission = received_submission(submitter, trust, period="2026-10")
    services.start_validation(submission.pk)
    services.store_outcome(submission, outcome(rows=1234))
    hints = {c.period: c.hint for c in services.period_choices(trust)}
    assert "Already accepted: a file received 28 November 2026 (1,234 records)" in hints["2026-10"]
    assert "Too late for the monthly publication (cut-off 26 November 2026)" in hints["2026-10"]
    assert "Already accepted" not in hints["2026-09"]


@pytest.mark.parametrize(
    ("today", "period", "warning"),
    [
        ("2026-12-02", "2026-10", "This file will be late"),
        ("2026-11-27", "2026-10", "Too late for the monthly publication"),
        ("2026-11-20", "2026-11", "This month is not over yet"),
        ("2026-11-20", "2026-10", None),
    ],
)
def test_the_upload_page_warns_before_a_late_file_is_sent(
    client, submitter, today, period, warning
):
    with time_machine.travel(f"{today} 09:00:00+00:00"):
        client.force_login(submitter)
        html = client.get(f"/submissions/new/RX1/{period}/").content.decode()
    if warning:
        assert warning in html and 'id="late-warning"' in html
    else:
        assert 'id="late-warning"' not in html
