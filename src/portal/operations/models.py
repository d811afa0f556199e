from django.db import models


class WorkerHeartbeat(models.Model):
    """The last sign of life from one task worker process (`portal worker`).

    `/healthz` reports a queue without a recent beat from a worker that serves it.
    """

    worker_id = models.CharField(max_length=64, unique=True)
    queues = models.CharField(max_length=200)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"worker {self.worker_id} ({self.queues}) on {self.hostname}, beat {self.beat_at}"


class ScheduledJob(models.Model):
    """One scheduled job's lease and timings (portal.operations.jobs).

    A run claims the row by a conditional UPDATE (a lease that expires), so when the same
    cron line fires on several machines exactly one of them runs the job.
    """

    name = models.CharField(max_length=64, unique=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=255, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return f"scheduled job {self.name}"
