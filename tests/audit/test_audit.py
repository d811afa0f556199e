import contextlib
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from portal.audit.models import AuditEntry, AuditSeal
from portal.audit.services import PatientIdentifierInAudit, record, seal, verify
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

ENTRIES = AuditEntry._meta.db_table
SEALS = AuditSeal._meta.db_table


def _three_entries():
    user = UserFactory()
    return [
        record(user, "accounts.sign_in"),
        record("system", "organisations.import_ods", target="etr.csv", details={"added": 3}),
        record(user, "submissions.download", target="submission 7", organisation="RR8"),
    ]


def _sealed(entries):
    """Seal as the scheduled job does, once the entries are older than the seal delay."""
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        return seal()


@contextlib.contextmanager
def _as_database_administrator():
    """Someone with full write access to the database: the append-only triggers are off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # no user triggers
            try:
                yield cursor
            finally:
                cursor.execute("SET session_replication_role = origin")
        else:
            for table in (ENTRIES, SEALS):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            yield cursor


def test_writing_an_entry_locks_nothing_and_stores_its_content_hash():
    first, second, third = _three_entries()
    assert third.organisation_code == "RR8"
    assert first.entry_hash == first.compute_hash()
    assert verify().ok


def test_the_seal_covers_the_entries_and_audit_verify_checks_it(capsys):
    entries = _three_entries()
    [only] = _sealed(entries)
    assert (only.first_entry_id, only.last_entry_id, only.entry_count) == (
        entries[0].pk,
        entries[2].pk,
        3,
    )
    assert seal() == [] and _sealed(entries) == []  # nothing new: idempotent
    call_command("audit-verify")
    assert "3 entries verified, 3 sealed." in capsys.readouterr().out


def test_entries_younger_than_the_delay_wait_for_the_next_seal():
    _three_entries()
    assert seal() == []
    assert "3 waiting for the next seal" in verify().message


def test_seals_chain_each_to_the_one_before():
    first = _sealed(_three_entries())[0]
    second = _sealed(_three_entries())[0]
    assert second.previous_mac == first.mac
    assert verify().ok


def test_entries_and_seals_cannot_be_changed_or_deleted_through_the_orm():
    entry = _three_entries()[0]
    entry.action = "something else"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()
    audit_seal = _sealed([entry])[0]
    with pytest.raises(RuntimeError, match="append-only"):
        audit_seal.save()


def test_the_database_refuses_to_update_an_entry_or_a_seal():
    entries = _three_entries()
    _sealed(entries)
    for statement in (
        f"UPDATE {ENTRIES} SET action = 'tampered' WHERE id = {entries[1].pk}",
        f"UPDATE {SEALS} SET mac = 'x'",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    assert AuditEntry.objects.get(pk=entries[1].pk).action == "organisations.import_ods"


def test_postgresql_refuses_to_delete_an_entry_or_a_seal():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE for the test runner's flush (migration 0003)")
    entries = _three_entries()
    _sealed(entries)
    for table in (ENTRIES, SEALS):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table}")
    assert AuditEntry.objects.count() == 3


def test_a_naively_edited_entry_is_caught_and_named():
    entries = _three_entries()
    with _as_database_administrator() as cursor:
        cursor.execute(f"UPDATE {ENTRIES} SET action = 'tampered' WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=f"Audit entry {entries[1].pk}: its content was changed"):
        call_command("audit-verify")


def _forge(entry_id, **changes):
    """Change a sealed entry and recompute its content hash, as someone who has read the
    code could: only the seal, made with a key they do not have, can tell."""
    entry = AuditEntry.objects.get(pk=entry_id)
    for name, value in changes.items():
        setattr(entry, name, value)
    with _as_database_administrator() as cursor:
        cursor.execute(
            f"UPDATE {ENTRIES} SET details = %s, entry_hash = %s WHERE id = %s",
            ['{"added": 300}', entry.compute_hash(), entry_id],
        )


def test_an_edited_entry_with_a_recomputed_hash_is_caught_by_its_seal():
    entries = _three_entries()
    [audit_seal] = _sealed(entries)
    _forge(entries[1].pk, details={"added": 300})
    result = verify()
    assert not result.ok
    assert f"Audit seal {audit_seal.pk}" in result.message
    assert "no longer match" in result.message


def test_a_deleted_sealed_entry_is_caught():
    entries = _three_entries()
    _sealed(entries)
    with _as_database_administrator() as cursor:
        cursor.execute(f"DELETE FROM {ENTRIES} WHERE id = %s", [entries[2].pk])
    with pytest.raises(CommandError, match="2 found, 3 sealed"):
        call_command("audit-verify")


def test_a_seal_made_without_the_key_is_caught(settings):
    entries = _three_entries()
    [audit_seal] = _sealed(entries)
    _forge(entries[1].pk, details={"added": 300})
    # The forger re-seals with a key of their own.
    settings.AUDIT_SEAL_KEY = "not-the-real-key-but-long-enough-0123456789"
    with _as_database_administrator() as cursor:
        cursor.execute(f"DELETE FROM {SEALS}")
    _sealed(entries)
    settings.AUDIT_SEAL_KEY = "the-real-key-0123456789-0123456789-0123456789"
    result = verify()
    assert not result.ok and "wrong HMAC" in result.message
    assert audit_seal.pk not in AuditSeal.objects.values_list("pk", flat=True)


def test_a_removed_seal_is_caught():
    first = _sealed(_three_entries())[0]
    _sealed(_three_entries())
    with _as_database_administrator() as cursor:
        cursor.execute(f"DELETE FROM {SEALS} WHERE id = %s", [first.pk])
    result = verify()
    assert not result.ok and "does not follow the seal before it" in result.message


def test_two_sealing_jobs_at_once_cannot_fork_the_chain():
    entries = _three_entries()
    _sealed(entries)
    last = AuditSeal.objects.get()
    with pytest.raises(Exception, match="(?i)unique"), transaction.atomic():
        AuditSeal.objects.create(
            sealed_at=timezone.now(),
            first_entry_id=last.first_entry_id,
            last_entry_id=last.last_entry_id,
            entry_count=3,
            digest=last.digest,
            previous_mac=last.previous_mac,
            mac="f" * 64,
        )


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


@pytest.mark.parametrize(
    "uuid",
    [
        "cd861520-6459-4501-a147-414fc41d2248",  # 861520-6459: an NHS number's shape
        "9cf677df-31ce-45cb-a01e-8626545785eb",  # 8626545785: ten digits
    ],
)
def test_ids_are_kept_whole_though_their_digits_look_like_an_nhs_number(uuid):
    """A submission's id is its audit entries' target: redacting part of it lost the link
    (issue 17.3's several-machines test found 1 in 80 submissions without their entries)."""
    entry = record("system", "test", target=f"submission:{uuid}", details={"superseded_by": uuid})
    entry.refresh_from_db()
    assert (entry.target, entry.details) == (f"submission:{uuid}", {"superseded_by": uuid})
    assert record("system", "test", details={"note": "call 861520-6459"}).details == {
        "note": "call [redacted]"
    }
