"""Demo people for `make run`."""

from portal.accounts.models import Membership, User
from portal.accounts.roles import Role

DEMO_PASSWORD = "demo-password-change-me"  # noqa: S105 - printed for the demo only
SERVICE_DESK_EMAIL = "service.desk@example.nhs.uk"


def load(stdout) -> list[str]:
    desk, created = User.objects.get_or_create(
        email=SERVICE_DESK_EMAIL, defaults={"full_name": "Sam Desk", "job_title": "Service desk"}
    )
    if created:
        desk.set_password(DEMO_PASSWORD)
        desk.save()
    Membership.objects.get_or_create(
        user=desk, organisation=None, role=Role.SERVICE_DESK, revoked_at=None
    )
    return [f"National service desk: {SERVICE_DESK_EMAIL} / {DEMO_PASSWORD}"]
