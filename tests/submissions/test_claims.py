"""Claims (issue 17.3, ADR 082): two workers never take the same submission, and no lock is
held while the file is read, checked or written.

Workers are threads here, each with a worker id of its own; every thread has its own
database connection, so a lock one holds is a lock the other meets (on PostgreSQL; SQLite
has no row locks, but a write transaction left open would stop the other's update).
"""

import threading

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from portal.organisations.models import Organisation
from portal.store import api as store
from portal.submissions import engine, services
from portal.submissions.models import Status, Submission
from tests.submissions.factories import (
    did_csv,
    received_submission,
    reference_organisations,
    submitter_for,
)

pytestmark = pytest.mark.django_db(transaction=True)
RECEIVED = "2026-10-15 10:00:00+01:00"  # did_csv's records are September 2026 tests
OTHER_WORKER = "another-machine:4242"


@pytest.fixture
def submission():
    reference_organisations()
    rr8 = Organisation.objects.get(code="RR8")
    with time_machine.travel(RECEIVED, tick=False):
        return received_submission(submitter_for(rr8), rr8, period="2026-09", content=did_csv(4))


@pytest.fixture
def workers(monkeypatch):
    """Threads named in `names` act as OTHER_WORKER; every other thread is this process's
    worker (its real id, a live process)."""
    names = set()
    real = services.worker_id
    monkeypatch.setattr(
        services,
        "worker_id",
        lambda: OTHER_WORKER if threading.current_thread().name in names else real(),
    )
    return names


def _in_thread(workers, body, *, as_other_worker=False):
    """Run `body` in a thread of its own (its own database connection); its result, or the
    exception it raised."""
    outcome = {}

    def run():
        try:
            outcome["result"] = body()
        except Exception as error:  # handed back to the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=f"thread-{id(outcome)}")
    if as_other_worker:
        workers.add(thread.name)
    thread.start()
    thread.join(timeout=60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def _lock_and_change_without_waiting(submission):
    """From another connection: lock the submission's row and its organisation's without
    waiting (NOWAIT), and change the submission."""
    with transaction.atomic():
        Organisation.objects.select_for_update(nowait=True).get(pk=submission.organisation_id)
        Submission.objects.select_for_update(nowait=True).get(pk=submission.pk)
        Submission.objects.filter(pk=submission.pk).update(progress_at=timezone.now())


def _spy(monkeypatch, owner, name, before, *, once=False):
    """Replace owner.name with a function that calls `before()` first (on the first call
    only, if `once`), then the original."""
    original = getattr(owner, name)
    calls = []

    def spied(*args, **kwargs):
        if not (once and calls):
            before()
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, spied)


def test_no_lock_is_held_while_the_file_is_read_checked_or_written(
    submission, workers, monkeypatch
):
    probes = []

    def probe(step):
        def run():
            try:
                _in_thread(workers, lambda: _lock_and_change_without_waiting(submission))
                probes.append((step, "free"))
            except DatabaseError as error:
                probes.append((step, f"locked: {error}"))

        return run

    _spy(monkeypatch, services, "estimate_records", probe("counting the records"))
    _spy(monkeypatch, engine, "run", probe("checking the file"))
    _spy(monkeypatch, type(store.records()), "put_file", probe("writing a file"))
    with time_machine.travel(RECEIVED, tick=False):
        validated = services.validate(submission.pk)
    assert validated.status == Status.ACCEPTED
    assert probes == [
        ("counting the records", "free"),
        ("checking the file", "free"),
        ("writing a file", "free"),  # the report
        ("writing a file", "free"),  # the records
    ]


def test_a_second_worker_leaves_a_submission_alone_while_another_validates_it(
    submission, workers, monkeypatch
):
    attempts = []

    def second_worker():
        attempts.append(
            _in_thread(
                workers, lambda: services.start_validation(submission.pk), as_other_worker=True
            )
        )

    _spy(monkeypatch, engine, "run", second_worker)
    with time_machine.travel(RECEIVED, tick=False):
        validated = services.validate(submission.pk)
    assert attempts == [None]  # nothing to do: the claim is held and renewed
    assert validated.status == Status.ACCEPTED
    assert validated.attempts == 1
    assert list(validated.events.order_by("at", "pk").values_list("status", "note")) == [
        (Status.RECEIVED, ""),
        (Status.VALIDATING, ""),
        (Status.ACCEPTED, ""),
    ]


def _taken_over(submission, workers):
    """The claim was not renewed in time (this worker froze, say) and another worker took
    the submission over."""
    Submission.objects.filter(pk=submission.pk).update(claimed_until=timezone.now())
    taken = _in_thread(
        workers, lambda: services.start_validation(submission.pk), as_other_worker=True
    )
    assert taken is not None and taken.claimed_by == OTHER_WORKER


@pytest.mark.parametrize(
    "step", ["engine", "store"], ids=["while the file is checked", "while the files are written"]
)
def test_a_worker_whose_claim_was_taken_over_drops_its_outcome(
    submission, workers, monkeypatch, step
):
    owner, name = (engine, "run") if step == "engine" else (type(store.records()), "put_file")
    _spy(monkeypatch, owner, name, lambda: _taken_over(submission, workers), once=True)
    with time_machine.travel(RECEIVED, tick=False), pytest.raises(services.ClaimLost):
        services.validate(submission.pk)
    submission.refresh_from_db()
    # The other worker's claim stands; this worker's outcome was not committed.
    assert (submission.status, submission.claimed_by) == (Status.VALIDATING, OTHER_WORKER)
    assert list(submission.events.order_by("at", "pk").values_list("status", "note")) == [
        (Status.RECEIVED, ""),
        (Status.VALIDATING, ""),
        (Status.VALIDATING, "restarted after an interruption"),
    ]
    assert not store.ManifestEntry.objects.exists()


def test_a_worker_whose_claim_was_taken_over_does_not_fail_the_submission(
    submission, workers, monkeypatch
):
    def broken_engine(*args, **kwargs):
        _taken_over(submission, workers)
        raise RuntimeError("the engine fell over")

    monkeypatch.setattr(engine, "run", broken_engine)
    with time_machine.travel(RECEIVED, tick=False), pytest.raises(services.ClaimLost):
        services.validate(submission.pk)
    submission.refresh_from_db()
    assert (submission.status, submission.claimed_by) == (Status.VALIDATING, OTHER_WORKER)
    assert submission.failure_message == ""
