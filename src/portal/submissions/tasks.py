"""Background tasks run by the validation worker (`portal worker --queue-name validation`)."""

from django.conf import settings
from django_tasks import task

from portal.submissions import services


@task(queue_name=settings.VALIDATION_QUEUE)
def validate_submission_task(submission_id: str) -> str:
    submission = services.validate(submission_id)
    if submission is None:
        return "not started: finished, or claimed by another worker"
    return submission.status
