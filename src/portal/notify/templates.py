"""Message templates: name → subject and body with ((placeholders)), as GOV.UK Notify uses.

The same wording must be set up as a template in GOV.UK Notify; its id goes in the
NOTIFY_TEMPLATE_IDS setting under the template's name. Other apps register their own
templates with `register(...)` at import time (e.g. from their services module).
"""

import re
from dataclasses import dataclass

from django.conf import settings

PLACEHOLDER = re.compile(r"\(\(([a-z0-9_]+)\)\)")


class UnknownTemplate(LookupError):
    pass


class MissingPersonalisation(ValueError):
    pass


@dataclass(frozen=True)
class MessageTemplate:
    name: str
    subject: str
    body: str

    @property
    def placeholders(self) -> set[str]:
        return set(PLACEHOLDER.findall(self.subject)) | set(PLACEHOLDER.findall(self.body))

    @property
    def notify_template_id(self) -> str:
        return settings.NOTIFY_TEMPLATE_IDS.get(self.name, "")

    def render(self, personalisation: dict) -> tuple[str, str]:
        missing = sorted(self.placeholders - set(personalisation))
        if missing:
            raise MissingPersonalisation(
                f"The {self.name!r} email needs a value for: {', '.join(missing)}."
            )

        def fill(text):
            return PLACEHOLDER.sub(lambda m: str(personalisation[m.group(1)]), text)

        return fill(self.subject), fill(self.body)


REGISTRY: dict[str, MessageTemplate] = {}


def register(name: str, subject: str, body: str) -> MessageTemplate:
    template = MessageTemplate(name=name, subject=subject, body=body)
    REGISTRY[name] = template
    return template


def get(name: str) -> MessageTemplate:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownTemplate(f"There is no email template called {name!r}.") from None


register(
    "invitation",
    "Activate your account for Submit Diagnostic Imaging Data",
    """Dear ((full_name)),

You have been given access to Submit Diagnostic Imaging Data for ((organisation_name)) as ((roles)).

To activate your account, open this link within ((valid_days)) days (by ((expires_on))):

((activation_link))

You will set a password and set up an authenticator app on your phone. The link works once.

If you did not expect this email, contact the national service desk.

NHS England
""",
)

register(
    "password-reset",
    "Reset your password for Submit Diagnostic Imaging Data",
    """Dear ((full_name)),

Someone asked to reset the password for your account. To choose a new password, open this link within ((valid_minutes)) minutes:

((reset_link))

The link works once. If you did not ask for this, you can ignore this email: your password has not changed.

NHS England
""",
)

register(
    "access-revoked",
    "Your access to Submit Diagnostic Imaging Data has changed",
    """Dear ((full_name)),

Your access to Submit Diagnostic Imaging Data for ((organisation_name)) has been removed.

If you think this is a mistake, speak to your organisation's Caldicott Guardian.

NHS England
""",
)
