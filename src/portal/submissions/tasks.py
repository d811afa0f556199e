"""Background tasks run by the worker (`portal db_worker`)."""

from django_tasks import task

from portal.submissions import services


@task()
def validate_submission_task(submission_id: str) -> str:
    submission = services.validate(submission_id)
    return submission.status if submission is not None else "already finished"
