"""Who may do what, declared once (ADR 070).

The roles are in `roles.py`; the predicates and the permissions built from them are here
(django-rules), with the guards every view and API route uses and the querysets that scope
pages to a person's organisations. Deny by default: a person who may not see something gets
the same 404 as for something that does not exist, so no answer reveals what exists.

Permissions, with the object each is checked against:

- `portal.service_desk` (none): the national service desk's pages.
- `portal.submit` (none): submits for at least one organisation (upload journey, API
  tokens, the REST API).
- `organisations.submit_for` (organisation): a submitter there.
- `organisations.manage_people` (organisation): the desk, or the organisation's current
  Caldicott Guardian (role held and on the register today, ADR 046).
- `organisations.see_people` (organisation): those who manage people, and the
  organisation's primary contact.
"""

from functools import wraps

import rules
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja.security import HttpBearer

from portal.accounts.models import Membership, User
from portal.accounts.roles import Role
from portal.certificates.models import CaldicottGuardian
from portal.organisations.models import Organisation

NOT_FOUND = "Not found"


# ---------------------------------------------------------------- scoping querysets


def organisations_where(user, *roles: Role):
    """Organisations at which the person holds (not revoked) any of the roles."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        pk__in=Membership.objects.active(user=user, roles=roles).values("organisation")
    )


def people_with(organisation, *roles: Role):
    """People holding any of the roles (all roles when none is named) at the organisation,
    including invitees who have not activated yet."""
    return User.objects.filter(
        pk__in=Membership.objects.active(organisation=organisation, roles=roles).values("user"),
    )


# ---------------------------------------------------------------- predicates


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


@rules.predicate
def is_service_desk(user) -> bool:
    return _signed_in(user) and user.has_role(Role.SERVICE_DESK)


@rules.predicate
def is_submitter(user) -> bool:
    return _signed_in(user) and user.active_memberships().filter(role=Role.SUBMITTER).exists()


@rules.predicate
def is_submitter_for(user, organisation) -> bool:
    return _signed_in(user) and user.has_role(Role.SUBMITTER, organisation)


@rules.predicate
def is_primary_contact_of(user, organisation) -> bool:
    return _signed_in(user) and user.has_role(Role.PRIMARY_CONTACT, organisation)


@rules.predicate
def is_current_guardian_of(user, organisation) -> bool:
    """Holds the Caldicott Guardian role there AND is on the register for it today: the
    role's powers end with the registration (ADR 046), whatever the membership says."""
    return (
        _signed_in(user)
        and user.has_role(Role.CALDICOTT_GUARDIAN, organisation)
        and CaldicottGuardian.objects.is_registered(organisation, user.email)
    )


PERMISSIONS = rules.RuleSet()
PERMISSIONS.add_rule("portal.service_desk", is_service_desk)
PERMISSIONS.add_rule("portal.submit", is_submitter)
PERMISSIONS.add_rule("organisations.submit_for", is_submitter_for)
PERMISSIONS.add_rule("organisations.manage_people", is_service_desk | is_current_guardian_of)
# The primary contact answers for who has access there, so sees the people too.
PERMISSIONS.add_rule(
    "organisations.see_people", is_service_desk | is_current_guardian_of | is_primary_contact_of
)


def allowed(user, permission: str, obj=None) -> bool:
    if not PERMISSIONS.rule_exists(permission):
        raise KeyError(f"No such permission: {permission}")
    return PERMISSIONS.test_rule(permission, user, obj)


# ---------------------------------------------------------------- guards


def check(user, permission: str, obj=None) -> None:
    """Raise the portal's one refusal (404) unless the person holds the permission."""
    if not allowed(user, permission, obj):
        raise Http404(NOT_FOUND)


def organisation_or_404(user, permission: str, code: str) -> Organisation:
    """The organisation with this ODS code, if the person holds the permission for it; the
    same 404 whether it does not exist or is not theirs."""
    organisation = get_object_or_404(Organisation, code=(code or "").strip().upper())
    check(user, permission, organisation)
    return organisation


def require(permission: str):
    """View decorator for permissions without an object (the outermost decorator, so a
    refused person gets 404 whatever the method)."""

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            check(request.user, permission)
            return view(request, *args, **kwargs)

        guarded.permission = permission
        return guarded

    return decorator


class ApiPermission(HttpBearer):
    """The same guard for django-ninja routes (`auth=` of the API or of one operation):
    `Authorization: Bearer <token>`; no working token is 401, a holder without the
    permission gets the 404. It runs before ninja reads the request's fields, so a refused
    person learns nothing about what the route would have accepted."""

    def __init__(self, permission: str, authenticate):
        super().__init__()
        self.permission = permission
        self._authenticate = authenticate

    def authenticate(self, request, token):
        user = self._authenticate(token)
        if user is None:
            return None
        check(user, self.permission)
        return user
