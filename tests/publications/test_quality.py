"""The data-quality dashboard: its figures, from the stored submissions, and who may see it."""

import polars as pl
import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.publications.quality import dashboard
from tests.accounts.factories import UserFactory, grant
from tests.did.publish_records import records
from tests.publications.factories import accept
from tests.submissions.factories import TrustFactory

pytestmark = pytest.mark.django_db
XR = "Plain Radiography"


@pytest.fixture
def stored():
    """RX1: 10 records, 4 with the unknown practice and 2 with no referrer; RY2: 30 clean."""
    rx1, ry2 = TrustFactory(code="RX1", name="EXAMPLE NHS TRUST"), TrustFactory(code="RY2")
    mine = records(
        {"period": "2026-08", "provider_code": "RX1", "modality": XR, "gp_practice": "V81999",
         "days_request_to_test": 4, "n": 4},
        {"period": "2026-08", "provider_code": "RX1", "modality": XR, "gp_practice": "B86001",
         "days_request_to_test": 10, "n": 6},
    ).with_columns(referrer_code=pl.Series(["G9999998"] * 2 + ["C1234567"] * 8))  # fmt: skip
    theirs = records(
        {"period": "2026-08", "provider_code": "RY2", "modality": XR, "gp_practice": "B86001",
         "days_request_to_test": 20, "n": 30},
    ).with_columns(referrer_code=pl.lit("C1234567"))  # fmt: skip
    entry = accept(rx1, "2026-08", mine)
    entry.submission.rule_counts = [
        {"rule": "DIDS080", "severity": "warning", "count": 3, "message": "Practice closed"}
    ]
    entry.submission.save(update_fields=["rule_counts"])
    other = accept(ry2, "2026-08", theirs)
    other.submission.rule_counts = [
        {"rule": "DIDS080", "severity": "warning", "count": 5, "message": "Practice closed"}
    ]
    other.submission.save(update_fields=["rule_counts"])
    return rx1, ry2


def test_the_dashboard_measures_the_providers_month_against_all_providers(stored):
    board = dashboard("RX1")
    [month] = board.months
    assert (month.period, month.records, month.all_records) == ("2026-08", 10, 40)
    assert month.unknown_practice == (40.0, 10.0)  # 4 of 10; 4 of 40
    assert month.unknown_referrer == (20.0, 5.0)
    assert month.median_request_to_test == (10, 20)  # nearest rank: 5th of 10; 20th of 40
    completeness = {item: (mine, everyone) for item, mine, everyone in month.completeness}
    assert completeness["GENERAL MEDICAL PRACTICE CODE (PATIENT REGISTRATION)"] == (100.0, 100.0)
    assert completeness["NHS NUMBER"] == (0.0, 0.0)
    assert month.rules == [
        {"rule": "DIDS080", "severity": "warning", "message": "Practice closed", "count": 3,
         "all": 8}
    ]  # fmt: skip


def test_the_providers_people_and_the_desk_see_it_and_nobody_else(client, stored):
    rx1, ry2 = stored
    url = reverse("publications:quality", args=["RX1"])
    assert client.get(url).status_code == 302  # sign in first
    outsider = UserFactory()
    grant(outsider, Role.SUBMITTER, ry2)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert "RX1" not in client.get(reverse("publications:quality-index")).text
    member = UserFactory()
    grant(member, Role.SUBMITTER, rx1)
    client.force_login(member)
    page = client.get(url)
    assert page.status_code == 200
    assert "EXAMPLE NHS TRUST" in page.text and "DIDS080" in page.text
    assert "40.0 (10.0)" in page.text
    desk = UserFactory()
    grant(desk, Role.SERVICE_DESK)
    client.force_login(desk)
    assert client.get(url).status_code == 200
    assert (
        reverse("publications:quality", args=["RY2"])
        in client.get(reverse("publications:quality-index")).text
    )
