from portal.accounts.views.activation import activate, activate_mfa
from portal.accounts.views.guardian import guardian
from portal.accounts.views.people import (
    invitations,
    people,
    reinvite,
    reset_authenticator,
    revoke,
)
from portal.accounts.views.sign_in import sign_in, sign_in_mfa, sign_out

__all__ = [
    "activate",
    "activate_mfa",
    "guardian",
    "invitations",
    "people",
    "reinvite",
    "reset_authenticator",
    "revoke",
    "sign_in",
    "sign_in_mfa",
    "sign_out",
]
