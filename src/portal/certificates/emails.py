"""The emails this app sends, registered with portal.notify: the guardian's review link, the
contacts link, and the applicant's receipt and outcomes. Guardians' addresses always come
from the Caldicott Guardian register, never from a form; the applicant's is the one they
gave on the application's first page. For GOV.UK Notify, set up templates with the same
names and ((placeholders)).
"""

from django.conf import settings

from portal.notify import services as notify
from portal.notify.templates import register

GUARDIAN_REVIEW = "certificate-guardian-review"
CONTACTS_DISCLOSURE = "certificate-contacts"

register(
    GUARDIAN_REVIEW,
    "Please review a Data User Certificate for ((organisation_name))",
    """Dear ((guardian_name)),

((organisation_name)) has applied for access to Submit Diagnostic Imaging Data. As its registered Caldicott Guardian, please review the Data User Certificate ((reference)) and authorise or decline it:

((review_link))

The link works once and expires on ((expires_on)).

If you did not expect this email, you can ignore it: nobody will get access unless you authorise it.

National service desk, NHS England
""",
)

register(
    CONTACTS_DISCLOSURE,
    "The DID contacts for ((organisation_name))",
    """Dear ((guardian_name)),

Someone asked for the primary contact and submitters of ((organisation_name)) for the Diagnostic Imaging Data Set. We give this list only to the organisation's registered Caldicott Guardian, so we are sending it to you.

To see the list, open this link (it works once and expires on ((expires_on))):

((disclosure_link))

If you did not ask for this, you can ignore this email.

National service desk, NHS England
""",
)

APPLICANT_SENT = "certificate-applicant-sent"
APPLICANT_AUTHORISED = "certificate-applicant-authorised"
APPLICANT_DECLINED = "certificate-applicant-declined"
APPLICANT_APPROVED = "certificate-applicant-approved"
APPLICANT_REJECTED = "certificate-applicant-rejected"

_PROGRESS = """You can check where the application is at any time with its reference and this email address:

((progress_link))

National service desk, NHS England
"""

register(
    APPLICANT_SENT,
    "Application ((reference)) for ((organisation_name)) sent",
    """We have your application ((reference)) for access to Submit Diagnostic Imaging Data for ((organisation_name)).

What happens next:

1. We have emailed ((guardian_name)), your organisation's registered Caldicott Guardian, to review and sign it. Their link expires on ((expires_on)).
2. The national service desk then checks it, usually within 5 working days.

We will email you at this address when the Caldicott Guardian decides and again when the service desk decides.

"""
    + _PROGRESS,
)

register(
    APPLICANT_AUTHORISED,
    "Application ((reference)): the Caldicott Guardian has signed it",
    """((guardian_name)), the Caldicott Guardian of ((organisation_name)), has signed application ((reference)).

It is now with the national service desk, who usually decide within 5 working days. We will email you when they have.

"""
    + _PROGRESS,
)

register(
    APPLICANT_DECLINED,
    "Application ((reference)): the Caldicott Guardian has declined it",
    """((guardian_name)), the Caldicott Guardian of ((organisation_name)), has declined application ((reference)). Nobody has been given access.

Their reason: ((reason))

If you still need access, speak to your Caldicott Guardian and then apply again:

((apply_link))

"""
    + _PROGRESS,
)

register(
    APPLICANT_APPROVED,
    "Application ((reference)) approved",
    """The national service desk has approved application ((reference)) for ((organisation_name)).

Each person new to the service will get an email to activate their account, which they must do within ((invitation_days)) days. People who already have an account can use their new access now.

"""
    + _PROGRESS,
)

register(
    APPLICANT_REJECTED,
    "Application ((reference)) rejected",
    """The national service desk has rejected application ((reference)) for ((organisation_name)). Nobody has been given access.

The reason: ((reason))

You can correct the details and apply again:

((apply_link))

"""
    + _PROGRESS,
)


def send(template_name: str, to: str, personalisation: dict) -> None:
    notify.send(template_name, to, personalisation)


def absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path
