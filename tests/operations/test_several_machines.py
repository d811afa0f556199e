"""Several machines at month end (issue 17.3): two machines, each with a web process
(`portal serve`, gunicorn, production settings) and a validation worker, an email worker,
one PostgreSQL database and one record store; twenty organisations upload at once through
the REST API.

Done when every submission ends accepted or rejected exactly once, no file is validated
twice, and the audit trail verifies. The proof comes from the data: each submission's
status history, its claim, the task results the workers recorded, the audit entries, the
manifest and the store's files.
"""

import threading
import time
from collections import Counter, defaultdict
from datetime import date

import pytest
import requests
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from did import synth
from portal.accounts.roles import Role
from portal.audit.models import AuditEntry
from portal.organisations.models import Organisation, OrganisationKind
from portal.store import api as store
from portal.submissions import calendar, reference_data, tokens
from portal.submissions.models import Status, Submission
from portal.submissions.services import validate_submission_task
from tests import object_storage
from tests.accounts.factories import UserFactory, grant
from tests.organisations.factories import SiteFactory, TrustFactory
from tests.submissions.processes import (
    Machine,
    database_url,
    get,
    production_env,
    wait_until_answering,
)

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="several machines share one PostgreSQL server (production refuses SQLite); "
        "the PostgreSQL step of .ci/run runs this test",
    ),
]

ORGANISATIONS = 20
RECORDS = 2_000
# Every fifth organisation sends a file with errors, which the national rules reject whole.
REJECTED_EVERY = 5
FINAL = {Status.ACCEPTED, Status.REJECTED}
NOT_STARTED = "not started: finished, or claimed by another worker"
PROXY = {"X-Forwarded-Proto": "https"}  # production expects a TLS proxy in front


def _organisations_with_submitters() -> list[tuple[Organisation, str]]:
    """Twenty trusts, each with its own sites, submitter and API token; GP practices the
    synthetic records name."""
    for number in range(1, 6):
        Organisation.objects.create(
            code=f"Y0{number:04d}",
            name=f"SURGERY {number}",
            kind=OrganisationKind.GP_PRACTICE,
            open_date=date(1974, 4, 1),
        )
    pairs = []
    for index in range(ORGANISATIONS):
        code = f"R{'ABCDEFGHJK'[index // 10 % 10]}{index % 10}"
        trust = TrustFactory(code=code, name=f"MONTH END NHS TRUST {index}")
        for site in range(1, 2 + index % 2):
            SiteFactory(code=f"{code}{site:02d}", parent_code=code)
        person = UserFactory(email=f"submitter@{code.lower()}.nhs.uk")
        grant(person, Role.SUBMITTER, trust)
        _, token = tokens.create(person, "month end")
        pairs.append((trust, token))
    return pairs


def _files(pairs, folder, period: str) -> dict[str, object]:
    """One `did synth` file per organisation, drawn from the portal's reference data (as
    `did synth --reference --provider` does), clean or with errors."""
    reference = reference_data.reference()
    files = {}
    for index, (trust, _) in enumerate(pairs):
        path = folder / f"{trust.code}.csv"
        synth.write(
            path,
            RECORDS + index,
            period,
            provider_count=1,
            seed=index,
            reference=reference,
            only=(trust.code,),
            received=calendar.today(),
            error_rate=0.01 if index % REJECTED_EVERY == REJECTED_EVERY - 1 else 0.0,
        )
        files[trust.code] = path
    return files


def _upload_at_once(pairs, files, bases, period) -> dict[str, dict]:
    """Every organisation uploads its file at the same moment, through one machine or the
    other. Returns the API's answer per organisation code."""
    barrier = threading.Barrier(len(pairs))
    answers, errors = {}, []

    def upload(index, trust, token):
        try:
            with requests.Session() as api, files[trust.code].open("rb") as handle:
                api.headers.update(Authorization=f"Bearer {token}", **PROXY)
                barrier.wait(timeout=60)
                response = api.post(
                    bases[index % len(bases)] + "/api/submissions",
                    data={"organisation": trust.code, "period": period},
                    files={"file": (files[trust.code].name, handle, "text/csv")},
                    timeout=300,
                )
            if response.status_code != 201:
                errors.append((trust.code, response.status_code, response.text[:500]))
            else:
                answers[trust.code] = response.json()
        except Exception as error:  # reported below
            errors.append((trust.code, repr(error)))

    threads = [
        threading.Thread(target=upload, args=(index, trust, token))
        for index, (trust, token) in enumerate(pairs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=400)
    assert errors == []
    return answers


def _wait_until_finished(pairs, answers, bases, machines, seconds=600) -> dict[str, dict]:
    """Poll every submission's status through the API, alternating machines, until each is
    finished. Returns the last status per organisation code."""
    sessions = {}
    for trust, token in pairs:
        sessions[trust.code] = requests.Session()
        sessions[trust.code].headers.update(Authorization=f"Bearer {token}", **PROXY)
    states: dict[str, dict] = {}
    end = time.monotonic() + seconds
    turn = 0
    while time.monotonic() < end:
        for code, answer in answers.items():
            if states.get(code, {}).get("status") in ("accepted", "rejected", "failed"):
                continue
            turn += 1
            response = sessions[code].get(
                bases[turn % len(bases)] + answer["status_url"], timeout=60
            )
            assert response.status_code == 200, response.text[:500]
            states[code] = response.json()
        if all(
            states.get(code, {}).get("status") in ("accepted", "rejected", "failed")
            for code in answers
        ):
            return states
        dead = [f"{m.name}/{label}" for m in machines for label in m.dead()]
        assert dead == [], "\n".join(m.logs() for m in machines)
        time.sleep(0.5)
    raise AssertionError(
        f"not finished: {[(c, s.get('status')) for c, s in states.items()]}\n"
        + "\n".join(m.logs() for m in machines)
    )


def _validation_tasks():
    return DBTaskResult.objects.filter(task_path=validate_submission_task.module_path)


def _wait_until_queue_drained(machines, seconds=300) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not _validation_tasks().exclude(status__in=["SUCCESSFUL", "FAILED"]).exists():
            return
        time.sleep(0.25)
    raise AssertionError("validation tasks still queued\n" + "\n".join(m.logs() for m in machines))


# The record store every machine shares: a local folder (a shared filesystem in
# production), or object storage (a moto S3 server on loopback).
@pytest.mark.parametrize("store_backend", object_storage.BACKENDS, indirect=True)
def test_twenty_organisations_upload_at_once_to_two_machines(store_backend, tmp_path):
    period = calendar.last_month()
    pairs = _organisations_with_submitters()
    files = _files(pairs, tmp_path, period)

    env = production_env(database_url(), tmp_path, **object_storage.store_environment())
    machines = [Machine(name, env, tmp_path) for name in ("machine-a", "machine-b")]
    a, b = machines
    try:
        bases = [machine.serve(workers=1, threads=4) for machine in machines]
        a.worker("email")
        for base in bases:
            wait_until_answering(base, machines)

        answers = _upload_at_once(pairs, files, bases, period)
        assert len(answers) == ORGANISATIONS

        # The validation workers start with the twenty files waiting (as after a deploy
        # in the month-end rush). resume-submissions runs on both machines first (the
        # scheduler's job; a validation worker's own start does the same, ADR 082/084):
        # every received submission is queued again, at least three times in all, and
        # the two workers meet the same submissions.
        resumes = [machine.launch("resume", "resume-submissions") for machine in machines]
        assert [resume.wait(timeout=120) for resume in resumes] == [0, 0], a.logs() + b.logs()
        for machine in machines:
            machine.worker("validation")

        states = _wait_until_finished(pairs, answers, bases, machines)
        _wait_until_queue_drained(machines)
        healths = [get(f"{base}/healthz") for base in bases]
        sealed = a.run("audit-seal", "audit-seal")
        verified = b.run("audit-verify", "audit-verify")
    finally:
        for machine in machines:
            machine.stop()
    logs = "\n".join(machine.logs() for machine in machines)

    # Every submission ends accepted or rejected, as its file deserves.
    submissions = {
        s.organisation.code: s for s in Submission.objects.select_related("organisation")
    }
    assert sorted(submissions) == sorted(answers)
    for index, (trust, _) in enumerate(pairs):
        expected = (
            Status.REJECTED if index % REJECTED_EVERY == REJECTED_EVERY - 1 else Status.ACCEPTED
        )
        assert submissions[trust.code].status == expected, (trust.code, states[trust.code])
        assert states[trust.code]["status"] == expected

    # ... exactly once: the status history of each is received, validating (one claim,
    # never restarted), then its outcome.
    for code, submission in submissions.items():
        history = list(submission.events.order_by("at", "pk").values_list("status", "note"))
        assert history == [
            (Status.RECEIVED, ""),
            (Status.VALIDATING, ""),
            (submission.status, ""),
        ], code
        assert submission.attempts == 1, code

    # No file was validated twice: the workers' own records. Each submission was queued
    # at least three times (its upload, resume-submissions on each machine); exactly one
    # of its tasks validated it, run by the worker that holds its claim; the others did
    # nothing.
    tasks = list(_validation_tasks())
    assert {task.status for task in tasks} == {"SUCCESSFUL"}
    by_submission = defaultdict(list)
    for task in tasks:
        by_submission[task.args_kwargs["args"][0]].append(task)
    assert set(by_submission) == {str(s.pk) for s in submissions.values()}
    assert min(len(queued) for queued in by_submission.values()) >= 3
    validated_by = Counter()
    for code, submission in submissions.items():
        ran = [t for t in by_submission[str(submission.pk)] if t.return_value != NOT_STARTED]
        assert [t.return_value for t in ran] == [submission.status], code
        [worker_id] = ran[0].worker_ids
        validated_by[worker_id] += 1
        pid = submission.claimed_by.rpartition(":")[2]
        assert pid == str(_pid_of(worker_id, machines)), (code, submission.claimed_by)
    assert sum(validated_by.values()) == ORGANISATIONS
    # Both machines' workers took tasks from the queue.
    assert {w for t in tasks for w in t.worker_ids} == {
        "machine-a-validation",
        "machine-b-validation",
    }, validated_by

    # The audit trail says the same, once each, and verifies.
    for code, submission in submissions.items():
        actions = Counter(
            AuditEntry.objects.filter(target=f"submission:{submission.pk}").values_list(
                "action", flat=True
            )
        )
        assert actions == {
            "submissions.received": 1,
            f"submissions.{submission.status}": 1,
        }, code
    assert sealed.returncode == 0, sealed.stderr + logs
    assert verified.returncode == 0, verified.stdout + verified.stderr
    entries = AuditEntry.objects.count()
    assert f"Audit trail intact: {entries} entries verified, {entries} sealed." in (
        verified.stdout
    ), verified.stdout

    # One manifest entry and one stored records object per accepted submission.
    accepted = {str(s.pk) for s in submissions.values() if s.status == Status.ACCEPTED}
    registered = store.ManifestEntry.objects.values_list("submission_id", flat=True)
    assert {str(pk) for pk in registered} == accepted
    current = store.current_files(period, period)
    assert {f.submission_id for f in current} == accepted
    assert sorted(o.key for o in store.records().list("records")) == sorted(f.key for f in current)

    # Both web processes report the workers alive and nothing waiting.
    for status, _, body in healths:
        assert status == 200, body


def _pid_of(worker_id: str, machines) -> int:
    machine = next(m for m in machines if worker_id.startswith(m.name))
    [(_, process)] = [(label, p) for label, p in machine.processes if label == "worker-validation"]
    return process.pid
