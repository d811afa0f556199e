from portal.core.log_filters import request_id

# Tokens to restore the id that was current before each running task (a request's, when a
# task runs inline), keyed by task result id.
_before = {}


def task_started(sender, task_result, **kwargs):
    _before[task_result.id] = request_id.set(f"task-{task_result.id}")


def task_finished(sender, task_result, **kwargs):
    token = _before.pop(task_result.id, None)
    if token is not None:
        request_id.reset(token)


def request_finished(sender, **kwargs):
    request_id.set("-")
