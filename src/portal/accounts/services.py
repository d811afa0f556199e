"""People, roles, invitations and revocation: each function one transaction, audited.

Other apps (certificates, the service desk) call these; views stay thin.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.accounts import mfa, permissions
from portal.accounts.models import Invitation, Membership, User
from portal.accounts.roles import MAX_SUBMITTERS, NATIONAL_ROLES, Role
from portal.accounts.tokens import hash_token, new_token
from portal.audit.services import record
from portal.certificates.models import OPEN_STATES, Application, State
from portal.notify import services as notify
from portal.organisations.models import Organisation


class SubmitterLimitReached(Exception):
    """The organisation already has MAX_SUBMITTERS people with active submitter access."""

    def __init__(self, organisation, limit: int = MAX_SUBMITTERS):
        self.organisation = organisation
        self.limit = limit
        super().__init__(
            f"{organisation.name} ({organisation.code}) already has {limit} people with "
            f"submitter access, the most a Data User Certificate allows. Remove a submitter's "
            f"access before adding another."
        )


class InvitationNotUsable(Exception):
    def __init__(self, invitation, reason: str):
        self.invitation = invitation
        self.reason = reason
        super().__init__(reason)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def belongs_elsewhere(user: User, organisation) -> list[str]:
    """Where else the person holds access: ["NAME (CODE): Role", ...] for organisations
    other than `organisation`, and the national service desk."""
    held = []
    for membership in user.active_memberships().select_related("organisation"):
        if membership.organisation_id is None:
            held.append(f"national: {Role(membership.role).label}")
        elif membership.organisation_id != getattr(organisation, "pk", None):
            where = membership.organisation
            held.append(f"{where.name} ({where.code}): {Role(membership.role).label}")
    return sorted(held)


def upsert_person(
    *, email: str, full_name: str, job_title: str, telephone: str, actor=None, organisation=None
) -> User:
    """Find the person by work email (case-insensitive) and update their details, or add them.

    New people get an unusable password and stay inactive until they activate. A person who
    holds access anywhere other than `organisation` keeps their details: one organisation's
    application never renames another's person (M1, ADR 073).
    """
    email = normalise_email(email)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is None:
            user = User(
                email=email,
                full_name=full_name,
                job_title=job_title,
                telephone=telephone,
                is_active=False,
            )
            user.set_unusable_password()
            user.save()
            record(actor, "accounts.person_added", target=email)
            return user
        if belongs_elsewhere(user, organisation):
            return user
        changed = {
            name: value
            for name, value in (
                ("full_name", full_name),
                ("job_title", job_title),
                ("telephone", telephone),
            )
            if value and getattr(user, name) != value
        }
        if changed:
            for name, value in changed.items():
                setattr(user, name, value)
            user.save(update_fields=list(changed))
            record(
                actor, "accounts.person_updated", target=email, details={"fields": sorted(changed)}
            )
        return user


def _lock_organisation(organisation) -> Organisation:
    # Every grant for an organisation takes this row lock first, so counting active
    # submitters and adding one happen in turn even under concurrent approvals.
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def active_submitter_count(organisation) -> int:
    return Membership.objects.active(organisation=organisation, roles=[Role.SUBMITTER]).count()


def grant_role(user: User, role: Role, organisation, *, actor) -> Membership:
    """Give `user` the role at `organisation` (None for the national service desk).

    Idempotent: an existing active membership is returned unchanged. Submitters are capped at
    MAX_SUBMITTERS active per organisation (SubmitterLimitReached); a new primary contact
    replaces the previous one, whose role is revoked.
    """
    role = Role(role)
    if role in NATIONAL_ROLES and organisation is not None:
        raise ValueError(f"The {role.label} role is granted nationally, not for an organisation.")
    if role not in NATIONAL_ROLES and organisation is None:
        raise ValueError(f"The {role.label} role must be granted for an organisation.")
    with transaction.atomic():
        if organisation is not None:
            organisation = _lock_organisation(organisation)
        existing = Membership.objects.active(
            user=user, organisation=organisation, roles=[role]
        ).first()
        if existing is not None:
            return existing
        if role == Role.SUBMITTER and active_submitter_count(organisation) >= MAX_SUBMITTERS:
            raise SubmitterLimitReached(organisation)
        if role == Role.PRIMARY_CONTACT:
            previous = Membership.objects.active(
                organisation=organisation, roles=[Role.PRIMARY_CONTACT]
            ).first()
            if previous is not None:
                _revoke_memberships(
                    [previous],
                    actor=actor,
                    reason=f"Primary contact replaced by {user.email}",
                    organisation=organisation,
                )
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        record(
            actor,
            "accounts.role_granted",
            target=user.email,
            organisation=organisation,
            details={"role": role.value},
        )
        return membership


def activation_url(token: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("accounts:activate", args=[token])


def _roles_text(user: User, organisation) -> str:
    roles = [
        Role(m.role).label.lower()
        for m in user.active_memberships().filter(organisation=organisation).order_by("role")
    ]
    return " and ".join(roles) if roles else "a user"


def send_invitation(user: User, *, organisation, actor) -> Invitation:
    """Email a single-use activation link, valid for settings.INVITATION_VALID_FOR.

    Any earlier unused invitation for the person stops working (one live link at a time).
    """
    token = new_token()
    now = timezone.now()
    with transaction.atomic():
        superseded = Invitation.objects.filter(
            user=user, used_at__isnull=True, superseded_at__isnull=True, cancelled_at__isnull=True
        ).update(superseded_at=now)
        invitation = Invitation.objects.create(
            user=user,
            organisation=organisation,
            token_hash=hash_token(token),
            sent_at=now,
            expires_at=now + settings.INVITATION_VALID_FOR,
            invited_by=actor if isinstance(actor, User) else None,
        )
        notify.send(
            "invitation",
            user.email,
            {
                "full_name": user.full_name or user.email,
                "organisation_name": organisation.name if organisation else "NHS England",
                "roles": _roles_text(user, organisation),
                "valid_days": settings.INVITATION_VALID_FOR.days,
                "expires_on": timezone.localtime(invitation.expires_at).strftime(
                    "%-d %B %Y at %-I:%M%p"
                ),
                "activation_link": activation_url(token),
            },
        )
        record(
            actor,
            "accounts.invitation_sent",
            target=user.email,
            organisation=organisation,
            details={"invitation": invitation.pk, "replaced": superseded},
        )
    invitation.raw_token = token  # for the caller (tests, demo); never stored
    return invitation


def reinvite(invitation: Invitation, *, actor) -> Invitation:
    """A fresh link for an unused invitation; the old link stops working."""
    if invitation.used_at is not None:
        raise InvitationNotUsable(invitation, "This invitation has already been used.")
    return send_invitation(invitation.user, organisation=invitation.organisation, actor=actor)


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("user", "organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )


def end_sessions(user: User) -> None:
    """Every session this person has open ends on its next request (SessionEpochMiddleware)."""
    user.sessions_valid_after = timezone.now()
    user.save(update_fields=["sessions_valid_after"])


def _revoke_memberships(memberships, *, actor, reason: str, organisation) -> None:
    now = timezone.now()
    users = {}
    for membership in memberships:
        membership.revoked_at = now
        membership.save(update_fields=["revoked_at"])
        users[membership.user_id] = membership.user
        record(
            actor,
            "accounts.role_revoked",
            target=membership.user.email,
            organisation=organisation,
            details={"role": membership.role, "reason": reason},
        )
    for user in users.values():
        _cancel_invitations(user, organisation, actor=actor)
        if not user.active_memberships().exists():
            # No access left anywhere: sign them out everywhere and stop sign-in.
            user.is_active = False
            user.save(update_fields=["is_active"])
            end_sessions(user)
            record(actor, "accounts.sessions_ended", target=user.email, organisation=organisation)


def _cancel_invitations(user: User, organisation, *, actor) -> None:
    """An unused link to the organisation stops working when the access it was for is
    revoked (or every link, when no access is left anywhere): a revoked invitee must not
    activate afterwards."""
    waiting = Invitation.objects.filter(
        user=user, used_at__isnull=True, superseded_at__isnull=True, cancelled_at__isnull=True
    )
    if user.active_memberships().exists():
        waiting = waiting.filter(organisation=organisation)
    cancelled = waiting.update(cancelled_at=timezone.now())
    if cancelled:
        record(
            actor,
            "accounts.invitation_cancelled",
            target=user.email,
            organisation=organisation,
            details={"invitations": cancelled},
        )


def revoke(user: User, organisation, *, actor, reason: str) -> list[Membership]:
    """Remove all of the person's roles at `organisation` at once.

    If they have no active role left anywhere, their sessions end immediately and they can no
    longer sign in. Revoked submitters no longer count towards the limit of 6.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("Give a reason for removing access.")
    with transaction.atomic():
        if organisation is not None:
            organisation = _lock_organisation(organisation)
        memberships = list(
            Membership.objects.active(user=user, organisation=organisation)
            .select_related("user")
            .select_for_update()
        )
        if not memberships:
            return []
        _revoke_memberships(memberships, actor=actor, reason=reason, organisation=organisation)
        if organisation is not None:
            notify.send(
                "access-revoked",
                user.email,
                {"full_name": user.full_name or user.email, "organisation_name": organisation.name},
            )
    user.refresh_from_db()
    return memberships


# Activation: password, then TOTP; only the confirmed code consumes the invitation.

EXPIRED = "expired"
USED = "used"
REPLACED = "replaced"
CANCELLED = "cancelled"
UNKNOWN = "unknown"


def invitation_problem(invitation: Invitation | None) -> str | None:
    if invitation is None:
        return UNKNOWN
    if invitation.used_at is not None:
        return USED
    if invitation.cancelled_at is not None:
        return CANCELLED
    if invitation.superseded_at is not None:
        return REPLACED
    if invitation.is_expired:
        return EXPIRED
    return None


def _lock_usable_invitation(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    problem = invitation_problem(locked)
    if problem:
        raise InvitationNotUsable(locked, problem)
    return locked


def already_set_up(user: User) -> bool:
    return user.is_active and user.has_usable_password() and user.has_confirmed_totp


def set_activation_password(invitation: Invitation, password: str) -> None:
    """Step 1. The person stays inactive (cannot sign in) until step 2 confirms a code."""
    with transaction.atomic():
        invitation = _lock_usable_invitation(invitation)
        user = invitation.user
        user.set_password(password)
        user.save(update_fields=["password"])
        record(user, "accounts.activation_password_set", target=user.email)


def start_totp_enrolment(invitation: Invitation, secret: str) -> None:
    """Step 2 begins: a new pending secret (any earlier pending one stops working)."""
    with transaction.atomic():
        invitation = _lock_usable_invitation(invitation)
        user = invitation.user
        user.totp_secret = secret
        user.totp_confirmed_at = None
        user.save(update_fields=["totp_secret", "totp_confirmed_at"])


def complete_activation(invitation: Invitation, code: str) -> bool:
    """Step 2 ends: a correct code confirms TOTP, activates the person, uses the invitation.

    Returns False (and changes nothing) for a wrong code.
    """
    with transaction.atomic():
        invitation = _lock_usable_invitation(invitation)
        user = User.objects.select_for_update().get(pk=invitation.user_id)
        if not user.has_usable_password() or mfa.matching_step(user.totp_secret, code) is None:
            return False
        now = timezone.now()
        user.totp_confirmed_at = now
        user.is_active = True
        user.activated_at = user.activated_at or now
        user.save(update_fields=["totp_confirmed_at", "is_active", "activated_at"])
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        record(
            user,
            "accounts.activated",
            target=user.email,
            organisation=invitation.organisation,
            details={"invitation": invitation.pk},
        )
    return True


def accept_invitation(invitation: Invitation) -> None:
    """For someone already set up (e.g. a new organisation): the link just confirms it."""
    with transaction.atomic():
        invitation = _lock_usable_invitation(invitation)
        if not already_set_up(invitation.user):
            raise InvitationNotUsable(invitation, "not set up")
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        record(
            invitation.user,
            "accounts.invitation_accepted",
            target=invitation.user.email,
            organisation=invitation.organisation,
            details={"invitation": invitation.pk},
        )


def people_at(organisation):
    """Active memberships at the organisation, grouped by person: [(user, [roles])]."""
    people: dict[int, tuple[User, list[str]]] = {}
    memberships = (
        Membership.objects.active(organisation=organisation)
        .select_related("user")
        .order_by("user__full_name", "user__email", "role")
    )
    for membership in memberships:
        entry = people.setdefault(membership.user_id, (membership.user, []))
        entry[1].append(Role(membership.role).label)
    return list(people.values())


def can_manage_people(user: User, organisation) -> bool:
    """The service desk, or the organisation's own Caldicott Guardian."""
    return permissions.allowed(user, "organisations.manage_people", organisation)


def can_see_people(user: User, organisation) -> bool:
    """Those who manage the organisation's people, and its primary contact, who answers for
    who has access there (the Data User Certificate's named contact)."""
    return permissions.allowed(user, "organisations.see_people", organisation)


def organisations_with_roles(user: User) -> list[tuple]:
    """[(organisation, [role labels], may manage its people, may submit for it, may see
    its people)] for the dashboard, by name."""
    grouped: dict = {}
    for membership in (
        user.active_memberships()
        .filter(organisation__isnull=False)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    ):
        entry = grouped.setdefault(membership.organisation_id, [membership.organisation, []])
        entry[1].append(membership.role)
    return [
        (
            organisation,
            [Role(role).label for role in roles],
            can_manage_people(user, organisation),
            Role.SUBMITTER in roles,
            can_see_people(user, organisation),
        )
        for organisation, roles in grouped.values()
    ]


def organisation_status(organisation) -> dict:
    """What an organisation's home page shows of its access: submitters against the limit,
    the latest approved certificate, applications still open, invitations not yet used."""
    applications = Application.objects.filter(organisation=organisation)
    return {
        "submitters": active_submitter_count(organisation),
        "max_submitters": MAX_SUBMITTERS,
        "approved": applications.filter(state=State.APPROVED).order_by("-state_changed_at").first(),
        "open_applications": list(applications.filter(state__in=OPEN_STATES)),
        "invitations": list(outstanding_invitations().filter(organisation=organisation)),
    }


def outstanding_invitations():
    """Invitations not yet used and not replaced: waiting or expired, newest first."""
    return Invitation.objects.select_related("user", "organisation", "invited_by").filter(
        used_at__isnull=True, superseded_at__isnull=True, cancelled_at__isnull=True
    )
