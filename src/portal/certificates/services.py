"""Data User Certificate workflows. Each runs in one transaction, appends an
ApplicationStatus row naming who acted, and writes the audit entry.

    online:  submit_online → AWAITING_GUARDIAN → authorise → AWAITING_DESK → approve/reject
                                               ↘ decline → DECLINED
    paper:   record_paper (scan + how the desk verified it) → AWAITING_DESK → approve/reject
    change:  change_content voids the authorisation → VOIDED → AWAITING_GUARDIAN (new link)
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.accounts.services import (
    SubmitterLimitReached,
    belongs_elsewhere,
    grant_role,
    send_invitation,
    upsert_person,
)
from portal.audit.services import record
from portal.certificates import emails
from portal.certificates.checks import (
    application_problems,
    match_guardian,
    matches_primary_contact_held,
)
from portal.certificates.models import (
    Application,
    ApplicationStatus,
    Authorisation,
    CaldicottGuardian,
    GuardianLink,
    Route,
    State,
)
from portal.certificates.rules import (
    NAME_MISMATCH,
    content_hash,
    hash_token,
    new_token,
    same_name,
)
from portal.organisations.models import Organisation

# "DUC-000123", as Application.reference writes it; the dash and the zeros may be left out.
REFERENCE = re.compile(r"DUC-?0*(\d{1,9})")


class CertificateError(ValueError):
    """A request the rules do not allow; the message is shown to the person as it is."""


class ApplicationInvalid(CertificateError):
    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


def build_content(
    *, organisation: Organisation, people: list[dict], changes_primary_contact: bool, guardian
) -> dict:
    """The canonical application document that the guardian signs."""
    return {
        "organisation": {"code": organisation.code, "name": organisation.name},
        "people": people,
        "changes_primary_contact": bool(changes_primary_contact),
        "guardian": {"name": guardian.name, "email": guardian.email, "register_id": guardian.pk},
    }


def _audit_summary(application: Application) -> dict:
    # Staff emails are fine in the audit; no patient identifiers are ever involved here.
    return {
        "reference": application.reference,
        "route": application.route,
        "people": [p["email"] for p in application.people],
        "submitters": sum(1 for p in application.people if p.get("submitter")),
        "changes_primary_contact": application.changes_primary_contact,
    }


def _transition(application, state, *, actor=None, actor_label=None, reason=""):
    label = actor_label or (actor.email if actor is not None else "system")
    ApplicationStatus.objects.create(
        application=application, state=state, actor=actor, actor_label=label, reason=reason
    )
    application.state = state
    application.state_changed_at = timezone.now()
    application.save(update_fields=["state", "state_changed_at"])
    record(
        actor or label,
        f"certificates.application_{state}",
        target=application.reference,
        organisation=application.organisation,
        details={**_audit_summary(application), "reason": reason}
        if reason
        else _audit_summary(application),
    )


def _tell_applicant(application: Application, template: str, **extra) -> None:
    """Email the applicant at a decision, if they gave an address (paper forms have none)."""
    if not application.applicant_email:
        return
    emails.send(
        template,
        application.applicant_email,
        {
            "reference": application.reference,
            "organisation_name": application.organisation.name,
            "guardian_name": application.guardian.name,
            "progress_link": emails.absolute(reverse("certificates:apply-progress")),
            "apply_link": emails.absolute(reverse("certificates:apply-start")),
            **extra,
        },
    )


def find_for_applicant(reference: str, email: str) -> Application | None:
    """The application with this reference, only if it was sent from this email address.

    Both must match, and a miss gives nothing away about which one did not, so a stranger
    who guesses a reference learns nothing.
    """
    match = REFERENCE.fullmatch((reference or "").strip().upper().replace(" ", ""))
    email = (email or "").strip()
    if not match or not email:
        return None
    return (
        Application.objects.select_related("organisation")
        .filter(pk=int(match.group(1)), applicant_email__iexact=email)
        .exclude(applicant_email="")
        .first()
    )


def _guardian_label(guardian: CaldicottGuardian) -> str:
    return f"Caldicott Guardian: {guardian.name} <{guardian.email}>"


def _validated(content: dict) -> tuple[Organisation, CaldicottGuardian]:
    problems = application_problems(content)
    if problems:
        raise ApplicationInvalid(problems)
    organisation = Organisation.objects.get(code=content["organisation"]["code"])
    guardian = match_guardian(
        organisation, content["guardian"]["name"], content["guardian"]["email"]
    )
    return organisation, guardian


def issue_guardian_link(application: Application, *, token: str | None = None) -> str:
    """Email the registered guardian a new single-use link; older links stop working.

    `token` is given only by the demo loader, so it can print the same link on every run;
    everywhere else the token is random.
    """
    now = timezone.now()
    application.guardian_links.filter(used_at__isnull=True, superseded_at__isnull=True).update(
        superseded_at=now
    )
    if token is None:
        token, token_hash = new_token()
    else:
        token_hash = hash_token(token)
    link = GuardianLink.objects.create(
        application=application,
        guardian=application.guardian,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + settings.GUARDIAN_LINK_VALID_FOR,
    )
    url = emails.absolute(reverse("certificates:guardian-review", args=[token]))
    # The registered address, never one typed into the application.
    emails.send(
        emails.GUARDIAN_REVIEW,
        application.guardian.email,
        {
            "guardian_name": application.guardian.name,
            "organisation_name": application.organisation.name,
            "reference": application.reference,
            "review_link": url,
            "expires_on": timezone.localtime(link.expires_at).strftime("%-d %B %Y at %H:%M"),
        },
    )
    return url


@transaction.atomic
def submit_online(
    content: dict, *, applicant_email: str = "", ip_address: str | None = None
) -> tuple[Application, str]:
    """Store a completed online application, email the guardian and send the applicant a
    receipt. Returns the application and the guardian's link."""
    organisation, guardian = _validated(content)
    content = build_content(
        organisation=organisation,
        people=content["people"],
        changes_primary_contact=content.get("changes_primary_contact", False),
        guardian=guardian,
    )
    application = Application.objects.create(
        organisation=organisation,
        guardian=guardian,
        route=Route.ONLINE,
        content=content,
        state=State.AWAITING_GUARDIAN,
        applicant_email=(applicant_email or "").strip().lower(),
    )
    _transition(application, State.AWAITING_GUARDIAN, actor_label="applicant")
    link = issue_guardian_link(application)
    expires = application.guardian_links.order_by("-id").first().expires_at
    _tell_applicant(
        application,
        emails.APPLICANT_SENT,
        expires_on=timezone.localtime(expires).strftime("%-d %B %Y"),
    )
    return application, link


@dataclass(frozen=True)
class LinkCheck:
    link: GuardianLink | None
    problem: str | None  # "unknown", "used", "expired", "replaced", "closed"


def check_guardian_link(token: str) -> LinkCheck:
    link = (
        GuardianLink.objects.select_related("application__organisation", "guardian")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None:
        return LinkCheck(None, "unknown")
    if link.used_at is not None:
        return LinkCheck(link, "used")
    if link.superseded_at is not None:
        return LinkCheck(link, "replaced")
    if link.is_expired:
        return LinkCheck(link, "expired")
    if link.application.state != State.AWAITING_GUARDIAN:
        return LinkCheck(link, "closed")
    return LinkCheck(link, None)


def _lock_link(token: str) -> GuardianLink:
    check = check_guardian_link(token)
    if check.problem:
        raise CertificateError("This link no longer works. Contact the national service desk.")
    link = GuardianLink.objects.select_for_update().get(pk=check.link.pk)
    if link.used_at is not None:
        raise CertificateError("This link has already been used.")
    return link


CONFIRM_CHANGE = (
    "Confirm that you authorise the change of primary contact, or decline the application"
)


@transaction.atomic
def authorise_online(
    token: str,
    *,
    typed_name: str,
    confirms_primary_contact_change: bool,
    ip_address: str | None,
    user_agent: str,
) -> Authorisation:
    link = _lock_link(token)
    application = Application.objects.select_for_update().get(pk=link.application_id)
    guardian = link.guardian
    if not guardian.is_current():
        raise CertificateError(
            "You are no longer registered as this organisation's Caldicott Guardian, so you "
            "cannot authorise this certificate. Contact the national service desk."
        )
    if not same_name(typed_name, guardian.name):
        raise CertificateError(NAME_MISMATCH)
    if application.changes_primary_contact and not confirms_primary_contact_change:
        raise CertificateError(CONFIRM_CHANGE)
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    authorisation = Authorisation.objects.create(
        application=application,
        guardian=guardian,
        route=Route.ONLINE,
        content_hash=content_hash(application.content),
        confirmed_primary_contact_change=application.changes_primary_contact,
        typed_name=" ".join(typed_name.split()),
        ip_address=ip_address,
        user_agent=(user_agent or "")[:500],
    )
    _transition(application, State.AWAITING_DESK, actor_label=_guardian_label(guardian))
    _tell_applicant(application, emails.APPLICANT_AUTHORISED)
    return authorisation


@transaction.atomic
def decline_online(token: str, *, reason: str, ip_address: str | None) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("Enter why you are declining this application")
    link = _lock_link(token)
    application = Application.objects.select_for_update().get(pk=link.application_id)
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    _transition(
        application, State.DECLINED, actor_label=_guardian_label(link.guardian), reason=reason
    )
    _tell_applicant(application, emails.APPLICANT_DECLINED, reason=reason)
    return application


@transaction.atomic
def record_paper(
    content: dict,
    *,
    scan,
    verification_method: str,
    verification_notes: str,
    confirms_primary_contact_change: bool,
    actor,
) -> Application:
    """The service desk records a certificate that came by post or email, with its scan."""
    organisation, guardian = _validated(content)
    content = build_content(
        organisation=organisation,
        people=content["people"],
        changes_primary_contact=content.get("changes_primary_contact", False),
        guardian=guardian,
    )
    if content["changes_primary_contact"] and not confirms_primary_contact_change:
        raise ApplicationInvalid(
            [
                (
                    "confirms_primary_contact_change",
                    "Confirm that the guardian's signed form authorises the change of "
                    "primary contact",
                )
            ]
        )
    application = Application.objects.create(
        organisation=organisation,
        guardian=guardian,
        route=Route.PAPER,
        content=content,
        state=State.AWAITING_DESK,
    )
    Authorisation.objects.create(
        application=application,
        guardian=guardian,
        route=Route.PAPER,
        content_hash=content_hash(content),
        confirmed_primary_contact_change=content["changes_primary_contact"],
        scan=scan,
        verified_by=actor,
        verification_method=verification_method,
        verification_notes=verification_notes.strip(),
    )
    record(
        actor,
        "certificates.paper_signature_verified",
        target=application.reference,
        organisation=organisation,
        details={
            "guardian_email": guardian.email,
            "method": verification_method,
        },
    )
    _transition(application, State.AWAITING_DESK, actor=actor)
    return application


@transaction.atomic
def resend_guardian_link(application: Application, *, actor) -> None:
    """The desk sends the registered guardian a fresh link (the last one expired or was
    lost); any older link stops working. Recovery, issue 15 (ADR 076)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.state != State.AWAITING_GUARDIAN:
        raise CertificateError("Only an application waiting for its Caldicott Guardian has a link")
    if not application.guardian.is_current():
        raise CertificateError(
            f"{application.guardian.name} is no longer on the Caldicott Guardian register for "
            f"{application.organisation.name}, so no link can be sent. Reject the application "
            "and ask the organisation to apply again."
        )
    issue_guardian_link(application)
    record(
        actor,
        "certificates.guardian_link_resent",
        target=application.reference,
        organisation=application.organisation,
        details={"guardian_email": application.guardian.email},
    )


def _void(application: Application, *, actor=None, actor_label=None, reason: str):
    """The signed content changed: void the signature and ask the guardian again."""
    application.authorisations.filter(voided_at__isnull=True).update(voided_at=timezone.now())
    _transition(application, State.VOIDED, actor=actor, actor_label=actor_label, reason=reason)
    _transition(application, State.AWAITING_GUARDIAN, actor=actor, actor_label=actor_label)
    issue_guardian_link(application)


@transaction.atomic
def change_content(application: Application, new_content: dict, *, actor, reason: str):
    """The service desk corrects an open application. Any signature on it is voided and the
    registered guardian is asked to review the changed application."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.state not in (State.AWAITING_GUARDIAN, State.AWAITING_DESK):
        raise CertificateError("Only an open application can be changed")
    organisation, guardian = _validated(new_content)
    if organisation != application.organisation:
        raise CertificateError("An application's organisation cannot be changed")
    application.content = build_content(
        organisation=organisation,
        people=new_content["people"],
        changes_primary_contact=new_content.get("changes_primary_contact", False),
        guardian=guardian,
    )
    application.guardian = guardian
    application.save(update_fields=["content", "guardian"])
    _void(application, actor=actor, reason=reason or "The application was changed")
    return application


def signature_still_valid(application: Application) -> bool:
    authorisation = application.current_authorisation()
    return authorisation is not None and authorisation.content_hash == content_hash(
        application.content
    )


@transaction.atomic
def reject(application: Application, *, actor, reason: str) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("Enter the reason for rejecting the application")
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.state not in (State.AWAITING_GUARDIAN, State.AWAITING_DESK):
        raise CertificateError("This application has already been decided")
    _transition(application, State.REJECTED, actor=actor, reason=reason)
    _tell_applicant(application, emails.APPLICANT_REJECTED, reason=reason)
    return application


@dataclass(frozen=True)
class ApprovalResult:
    approved: bool
    invited: list  # the people sent an invitation
    message: str


def people_of_other_organisations(application: Application) -> list[tuple[dict, list[str]]]:
    """The application's people who already hold access elsewhere, with where: the desk
    must see these and decide before approving (M1, ADR 073)."""
    conflicts = []
    for person in application.people:
        user = User.objects.filter(email__iexact=person["email"].strip()).first()
        held = belongs_elsewhere(user, application.organisation) if user else []
        if held:
            conflicts.append((person, held))
    return conflicts


class ConflictsNotConfirmed(CertificateError):
    def __init__(self, conflicts):
        self.conflicts = conflicts
        names = "; ".join(f"{p['email']} ({', '.join(held)})" for p, held in conflicts)
        super().__init__(
            "Nothing was changed: this application names people who already have access for "
            f"another organisation: {names}. Check with both organisations, then confirm that "
            "they should also have these roles here (their name and details stay as they "
            "are), or reject the application."
        )


@transaction.atomic
def _approve(application: Application, *, actor, conflicts_confirmed=False) -> ApprovalResult:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.state != State.AWAITING_DESK:
        raise CertificateError("Only an application waiting for the service desk can be approved")
    if not signature_still_valid(application):
        # What was signed is not what is here now: the signature cannot stand.
        _void(
            application,
            actor=actor,
            reason="The application changed after the Caldicott Guardian signed it",
        )
        return ApprovalResult(
            False,
            [],
            "The application changed after it was signed, so the signature is void. We have "
            "asked the Caldicott Guardian to review it again.",
        )
    organisation = application.organisation
    primary = application.primary_contact
    if not application.changes_primary_contact and not matches_primary_contact_held(
        organisation, primary
    ):
        raise CertificateError(
            "The primary contact on this application no longer matches the one held for "
            f"{organisation.name}, and the application does not say it changes the primary "
            "contact. Reject it and ask the organisation to apply again."
        )
    conflicts = people_of_other_organisations(application)
    if conflicts and not conflicts_confirmed:
        raise ConflictsNotConfirmed(conflicts)
    if conflicts:
        record(
            actor,
            "certificates.conflicts_confirmed",
            target=application.reference,
            organisation=organisation,
            details={"people": [p["email"] for p, _ in conflicts]},
        )
    invited_users = []
    for person in application.people:
        user = upsert_person(
            email=person["email"],
            full_name=person["name"],
            job_title=person["job_title"],
            telephone=person["telephone"],
            actor=actor,
            organisation=organisation,
        )
        if person.get("primary_contact"):
            # Replaces the previous primary contact only when the application says so; the
            # checks at submission made sure otherwise the details are the same person's.
            grant_role(user, Role.PRIMARY_CONTACT, organisation, actor=actor)
        if person.get("submitter"):
            grant_role(user, Role.SUBMITTER, organisation, actor=actor)
        # New people, and people whose access had ended (revoked: inactive), are invited
        # and set up a password and authenticator again before they can sign in.
        if user.activated_at is None or not user.is_active:
            invited_users.append(user)
    _transition(application, State.APPROVED, actor=actor)
    for user in invited_users:
        send_invitation(user, organisation=organisation, actor=actor)
    _tell_applicant(
        application,
        emails.APPLICANT_APPROVED,
        invitation_days=settings.INVITATION_VALID_FOR.days,
    )
    names = ", ".join(u.email for u in invited_users) or "nobody new"
    return ApprovalResult(
        True, invited_users, f"{application.reference} approved. Invited: {names}."
    )


def approve(application: Application, *, actor, conflicts_confirmed=False) -> ApprovalResult:
    """Create or update the people, grant their roles and invite the new ones, all in one
    transaction. A SubmitterLimitReached from grant_role rolls everything back and becomes
    a CertificateError with a plain message; the application stays waiting for the desk."""
    try:
        return _approve(application, actor=actor, conflicts_confirmed=conflicts_confirmed)
    except SubmitterLimitReached as error:
        record(
            actor,
            "certificates.approval_refused",
            target=application.reference,
            organisation=application.organisation,
            details={"reason": "submitter limit"},
        )
        raise CertificateError(
            f"Nothing was changed: {error} Ask the organisation to remove a submitter, or "
            "reject this application."
        ) from error
