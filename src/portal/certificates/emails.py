"""The emails this app sends, registered with portal.notify: the guardian's review link and
the contacts link. Addresses always come from the Caldicott Guardian register, never from a
form. For GOV.UK Notify, set up templates with the same names and ((placeholders)).
"""

from django.conf import settings

from portal import notify
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


def send(template_name: str, to: str, personalisation: dict) -> None:
    notify.send(template_name, to, personalisation)


def absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path
