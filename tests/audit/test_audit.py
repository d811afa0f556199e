import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.audit.models import AuditEntry
from portal.audit.services import PatientIdentifierInAudit, record, verify
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _three_entries():
    user = UserFactory()
    return [
        record(user, "accounts.sign_in"),
        record("system", "organisations.import_ods", target="etr.csv", details={"added": 3}),
        record(user, "submissions.download", target="submission 7", organisation="RR8"),
    ]


def test_entries_chain_each_to_the_one_before():
    first, second, third = _three_entries()
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    assert third.organisation_code == "RR8"
    assert verify().ok


def test_audit_verify_passes_on_an_intact_trail(capsys):
    _three_entries()
    call_command("audit-verify")
    assert "3 entries verified" in capsys.readouterr().out


def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    entry = _three_entries()[0]
    entry.action = "something else"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()


def _sql(statement, params):
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=table), params)


def test_editing_a_row_in_the_database_is_caught_and_named():
    entries = _three_entries()
    _sql("UPDATE {table} SET action = %s WHERE id = %s", ["tampered", entries[1].pk])
    with pytest.raises(CommandError, match=f"Audit entry {entries[1].pk}: its content was changed"):
        call_command("audit-verify")


def test_editing_details_in_the_database_is_caught():
    entries = _three_entries()
    _sql("UPDATE {table} SET details = %s WHERE id = %s", ['{"added": 300}', entries[1].pk])
    result = verify()
    assert not result.ok
    assert result.broken_id == entries[1].pk


def test_deleting_a_row_in_the_database_is_caught_at_the_next_row():
    entries = _three_entries()
    _sql("DELETE FROM {table} WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=f"Audit entry {entries[2].pk}: its previous-hash"):
        call_command("audit-verify")


def test_deleting_the_last_row_is_caught():
    entries = _three_entries()
    _sql("DELETE FROM {table} WHERE id = %s", [entries[2].pk])
    result = verify()
    assert not result.ok
    assert result.broken_id == entries[2].pk


@pytest.mark.parametrize(
    "details",
    [
        {"nhs_number": "x"},
        {"record": {"PersonBirthDate": "1970-01-01", "date_of_birth": "1970-01-01"}},
        {"Postcode": "x"},
    ],
)
def test_details_named_as_patient_identifiers_are_a_programming_error(details):
    with pytest.raises(PatientIdentifierInAudit):
        record("system", "test", details=details)
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("details", "kept"),
    [
        ({"note": "patient 943 476 5919 complained"}, {"note": "patient [redacted] complained"}),
        ({"values": ["LS1 3EX"]}, {"values": ["[redacted]"]}),
        ({"reason": "Wrong site, see ls14ap ward"}, {"reason": "Wrong site, see [redacted] ward"}),
        # An email address that happens to start like a postcode is a person's address.
        ({"email": "jb12ab@nhs.net"}, {"email": "jb12ab@nhs.net"}),
        ({"to": ["LS1 4AP", "jb12ab@nhs.net"]}, {"to": ["[redacted]", "jb12ab@nhs.net"]}),
    ],
)
def test_free_text_that_looks_like_a_patient_identifier_is_redacted_not_refused(details, kept):
    """M4: such text made record() raise, and the person got a 500."""
    entry = record("system", "test", target="ods:LS1 4AP", details=details)
    entry.refresh_from_db()
    assert entry.details == kept
    assert entry.target == "ods:[redacted]"
    assert verify().ok
