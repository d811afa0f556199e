"""Issue 16.2, portal side: who may submit for whom, recorded by the desk, audited, dated,
shown to both organisations, and `providers_for` for the engine."""

from datetime import date

import pytest

from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.submissions import authority
from portal.submissions.models import SubmissionAuthority
from tests.accounts.factories import UserFactory, grant
from tests.submissions.factories import TrustFactory


@pytest.fixture
def provider(db):
    return TrustFactory(code="RZ3", name="Small Provider NHS Trust")


def test_an_organisation_submits_for_itself_only_until_a_relationship_is_recorded(
    trust, provider, service_desk_user
):
    assert authority.providers_for(trust, "2026-10") == frozenset({"RX1"})
    authority.record_authority(
        service_desk_user, trust, provider, date(2026, 10, 15), date(2027, 1, 31)
    )
    assert authority.providers_for(trust, "2026-09") == frozenset({"RX1"})
    assert authority.providers_for(trust, "2026-10") == frozenset({"RX1", "RZ3"})  # from mid-month
    assert authority.providers_for("RX1", "2027-01") == frozenset({"RX1", "RZ3"})
    assert authority.providers_for(trust, "2027-02") == frozenset({"RX1"})
    # It does not work the other way round.
    assert authority.providers_for(provider, "2026-11") == frozenset({"RZ3"})


def test_an_open_ended_relationship_lasts_until_it_is_ended(trust, provider, service_desk_user):
    row = authority.record_authority(service_desk_user, trust, provider, date(2026, 4, 1), None)
    assert "RZ3" in authority.providers_for(trust, "2030-01")
    authority.end_authority(service_desk_user, row, date(2026, 12, 31))
    assert "RZ3" in authority.providers_for(trust, "2026-12")
    assert "RZ3" not in authority.providers_for(trust, "2027-01")
    actions = list(
        AuditEntry.objects.filter(action__startswith="submissions.authority").values_list(
            "action", flat=True
        )
    )
    assert actions == ["submissions.authority_recorded", "submissions.authority_ended"]
    ended = AuditEntry.objects.get(action="submissions.authority_ended")
    assert ended.details == {"provider": "RZ3", "until": "2026-12-31", "was_until": None}


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 5, 1), date(2026, 4, 1), "end date must be the same as or after"),
        (date(2026, 6, 1), None, "already recorded"),
    ],
)
def test_impossible_or_overlapping_relationships_are_refused(
    trust, provider, service_desk_user, start, end, message
):
    authority.record_authority(service_desk_user, trust, provider, date(2026, 4, 1), None)
    with pytest.raises(authority.AuthorityRefused, match=message):
        authority.record_authority(service_desk_user, trust, provider, start, end)
    with pytest.raises(authority.AuthorityRefused, match="always submits for itself"):
        authority.record_authority(service_desk_user, trust, trust, start, None)
    assert SubmissionAuthority.objects.count() == 1


def test_the_desk_records_a_relationship_on_its_page(client, service_desk_user, trust, provider):
    client.force_login(service_desk_user)
    url = "/service-desk/submitting-for/"
    bad = client.post(url, {"organisation": "RX1", "provider": "NOPE", "valid_from": "1 Oct"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "There is no organisation with the ODS code NOPE" in html
    assert "Enter the date it starts like 2026-10-01" in html
    response = client.post(
        url, {"organisation": "rx1", "provider": "RZ3", "valid_from": "2026-10-01"}
    )
    assert response.status_code == 302
    row = SubmissionAuthority.objects.get()
    assert (row.organisation, row.provider, row.recorded_by) == (trust, provider, service_desk_user)
    page = client.get(url).content.decode()
    assert "Small Provider NHS Trust (RZ3)" in page and "No end date" in page
    client.post(f"{url}{row.pk}/end", {"until": "2027-03-31"})
    row.refresh_from_db()
    assert row.valid_until == date(2027, 3, 31)


def test_only_the_desk_reaches_the_page(client, submitter, trust, provider):
    client.force_login(submitter)
    assert client.get("/service-desk/submitting-for/").status_code == 404
    response = client.post(
        "/service-desk/submitting-for/",
        {"organisation": "RX1", "provider": "RZ3", "valid_from": "2026-10-01"},
    )
    assert response.status_code == 404
    assert not SubmissionAuthority.objects.exists()


def test_both_organisations_primary_contacts_see_the_relationship(
    client, trust, provider, service_desk_user
):
    authority.record_authority(service_desk_user, trust, provider, date(2026, 10, 1), None)
    for organisation in (trust, provider):
        contact = UserFactory()
        grant(contact, Role.PRIMARY_CONTACT, organisation)
        client.force_login(contact)
        page = client.get("/submissions/").content.decode()
        assert (
            "Example Hospitals NHS Trust (RX1) submits on behalf of Small Provider NHS Trust "
            "(RZ3) from 1 October 2026, with no end date."
        ) in page
    stranger = UserFactory()
    grant(stranger, Role.PRIMARY_CONTACT, TrustFactory(code="RQ9"))
    client.force_login(stranger)
    assert "RZ3" not in client.get("/submissions/").content.decode()
