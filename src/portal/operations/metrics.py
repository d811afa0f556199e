"""Prometheus figures: requests (django-prometheus' middleware), validations, queues, workers.

Request counters live in each web process (or, with PROMETHEUS_MULTIPROC_DIR set under
gunicorn, in files the processes share); validation, queue and worker figures are read from
the database at scrape time, so every process reports the same national totals.
"""

import os

from django.db.models import Count
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from portal.operations import heartbeat, queues
from portal.submissions.models import Submission


class DatabaseCollector:
    """Collected on each scrape; nothing is kept in memory between scrapes."""

    def collect(self):
        submissions = GaugeMetricFamily(
            "did_submissions", "Submissions by validation status.", labels=["status"]
        )
        for row in Submission.objects.values("status").annotate(n=Count("id")):
            submissions.add_metric([row["status"]], row["n"])
        yield submissions

        waiting = GaugeMetricFamily(
            "did_queue_waiting_tasks", "Tasks ready to run on each queue.", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "did_queue_oldest_wait_seconds",
            "How long the oldest ready task on each queue has waited.",
            labels=["queue"],
        )
        for name, depth in queues.depths().items():
            waiting.add_metric([name], depth.waiting)
            oldest.add_metric([name], depth.oldest_wait_seconds)
        yield waiting
        yield oldest

        workers = GaugeMetricFamily(
            "did_workers_live", "Task workers with a recent heartbeat, by queue.", labels=["queue"]
        )
        live = list(heartbeat.live_workers())
        for name in queues.depths():
            workers.add_metric([name], sum(1 for w in live if heartbeat.serves(w, name)))
        yield workers


_DATABASE_REGISTRY = CollectorRegistry(auto_describe=False)
_DATABASE_REGISTRY.register(DatabaseCollector())


def exposition() -> bytes:
    """The Prometheus text format: process figures, then the database figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    return generate_latest(process_registry) + generate_latest(_DATABASE_REGISTRY)
