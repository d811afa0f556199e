from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "portal.operations"
    label = "operations"
    verbose_name = "Operations: processes, worker heartbeat, scheduled jobs, metrics"

    def ready(self):
        from django.core.signals import request_finished
        from django_tasks.signals import task_finished, task_started

        from portal.operations import signals

        # In the worker, a task's log lines carry "task-<id>" where a request's carry its id.
        task_started.connect(signals.task_started, dispatch_uid="operations-task-started")
        task_finished.connect(signals.task_finished, dispatch_uid="operations-task-finished")
        request_finished.connect(signals.request_finished, dispatch_uid="operations-request-end")
