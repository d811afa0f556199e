"""Every role in the portal, declared once. Access checks and tests refer to these."""

from django.db import models


class Role(models.TextChoices):
    SERVICE_DESK = "service_desk", "National service desk"
    CALDICOTT_GUARDIAN = "caldicott_guardian", "Caldicott Guardian"
    PRIMARY_CONTACT = "primary_contact", "Primary contact"
    SUBMITTER = "submitter", "Submitter"


# Roles held for one organisation; the service desk acts nationally.
ORGANISATION_ROLES = (Role.CALDICOTT_GUARDIAN, Role.PRIMARY_CONTACT, Role.SUBMITTER)
NATIONAL_ROLES = (Role.SERVICE_DESK,)

# The Data User Certificate allows "up to 6 users to submit" per organisation (ADR 033).
MAX_SUBMITTERS = 6
