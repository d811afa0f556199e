"""Scheduled jobs: each runs on one machine at a time, when due, and a failure is recorded."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.audit.models import AuditSeal
from portal.audit.services import record
from portal.operations import jobs
from portal.operations.models import ScheduledJob

pytestmark = pytest.mark.django_db

SEAL = jobs.JOBS["audit-seal"]


def test_the_scheduler_runs_every_job_and_each_one_once_while_not_due(capsys):
    call_command("run-jobs")
    out = capsys.readouterr().out
    for name in jobs.JOBS:
        assert f"{name}: " in out
    assert "not due" not in out
    assert set(ScheduledJob.objects.values_list("name", flat=True)) == set(jobs.JOBS)
    assert all(
        job.last_finished_at and job.leased_until is None for job in ScheduledJob.objects.all()
    )

    call_command("run-jobs")
    assert capsys.readouterr().out.count("not due, or running elsewhere") == len(jobs.JOBS)


def test_a_job_held_by_another_machine_is_skipped_until_its_lease_runs_out():
    assert jobs.claim(SEAL, only_if_due=False)  # "machine A" is running it
    assert not jobs.run(SEAL).ran  # "machine B" skips it
    with time_machine.travel(timezone.now() + SEAL.lease + timedelta(seconds=1)):
        assert jobs.run(SEAL).ran  # machine A died: the lease ran out


def test_a_job_is_due_again_after_its_interval():
    assert jobs.run(SEAL, only_if_due=True).ran
    assert not jobs.run(SEAL, only_if_due=True).ran
    with time_machine.travel(timezone.now() + SEAL.every + timedelta(seconds=1)):
        assert jobs.run(SEAL, only_if_due=True).ran


def test_the_audit_seal_job_seals(capsys):
    record("system", "test.event")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        call_command("run-jobs", "audit-seal")
    assert AuditSeal.objects.count() == 1
    assert "audit-seal: Sealed 1 audit entries in 1 seal(s)." in capsys.readouterr().out


def test_a_failing_job_is_recorded_and_the_others_still_run(monkeypatch):
    def call(name, *args, stdout):
        if name == "store-gc":
            raise OSError("store unreachable")
        stdout.write(f"{name} done\n")

    outcomes = {job.name: jobs.run(job, call=call) for job in jobs.JOBS.values()}
    assert outcomes["store-gc"].error == "failed: OSError: store unreachable"
    assert all(o.ran for o in outcomes.values())
    row = ScheduledJob.objects.get(name="store-gc")
    assert row.last_outcome == "failed: OSError: store unreachable" and row.leased_until is None
    assert ScheduledJob.objects.get(name="retention").last_outcome == "delete-expired-uploads done"


def test_the_command_exits_non_zero_when_a_job_fails(monkeypatch):
    def failing(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("portal.audit.services.seal", failing)
    monkeypatch.setattr("portal.audit.management.commands.audit-seal.seal", failing, raising=False)
    with pytest.raises(CommandError, match="Scheduled job\\(s\\) failed: audit-seal"):
        call_command("run-jobs", "audit-seal")


def test_an_unknown_job_name_is_a_clear_error():
    with pytest.raises(CommandError, match="No such job: nightly. The jobs are audit-seal"):
        call_command("run-jobs", "nightly")
