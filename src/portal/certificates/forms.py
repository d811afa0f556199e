"""The certificate's question pages and service-desk forms. Each error is plain English and
appears in the NHS.UK error summary; the rules themselves live in rules.py and checks.py."""

from django import forms
from django.conf import settings

from portal.certificates import checks
from portal.certificates.models import VerificationMethod
from portal.certificates.rules import (
    GENERIC_EMAIL_ERROR,
    NAME_MISMATCH,
    TELEPHONE_ERROR,
    is_generic_mailbox,
    normalise_telephone,
    person_record,
    same_name,
)
from portal.core.forms import NHSUKForm
from portal.organisations.forms import organisation_from_code

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d"]


class OrganisationForm(NHSUKForm):
    ods_code = forms.CharField(
        label="What is your organisation's ODS code?",
        help_text="For example, RR8. You can find it on the ODS portal.",
        max_length=12,
        error_messages={"required": "Enter your organisation's ODS code"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    applicant_email = forms.EmailField(
        label="Your email address",
        help_text=(
            "We will email you when the Caldicott Guardian and the national service desk "
            "decide. You will need it, with the application's reference, to check progress."
        ),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = None

    def clean_ods_code(self):
        organisation, problem = checks.find_open_organisation(self.cleaned_data["ods_code"])
        if problem:
            raise forms.ValidationError(problem)
        self.organisation = organisation
        return organisation.code


class ProgressForm(NHSUKForm):
    """Reference and email address: together the key to an application's progress."""

    reference = forms.CharField(
        label="Application reference",
        help_text="It is in the email we sent you, for example DUC-000123.",
        max_length=20,
        error_messages={"required": "Enter the application reference"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label="Your email address",
        help_text="The address you gave when you applied.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


def _person_fields(prefix_label: str):
    return {
        "name": forms.CharField(
            label="Full name",
            max_length=200,
            error_messages={"required": f"Enter the {prefix_label}'s full name"},
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        ),
        "job_title": forms.CharField(
            label="Job title",
            max_length=200,
            error_messages={"required": f"Enter the {prefix_label}'s job title"},
        ),
        "email": forms.EmailField(
            label="Work email address",
            help_text="Their own work email address, not a shared mailbox.",
            error_messages={
                "required": f"Enter the {prefix_label}'s work email address",
                "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
            },
            widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        ),
        "telephone": forms.CharField(
            label="Telephone number",
            help_text="A UK number, for example 0113 496 0000 or 07700 900 982.",
            max_length=30,
            error_messages={"required": f"Enter the {prefix_label}'s telephone number"},
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        ),
        "submitter": forms.BooleanField(
            label="Give this person submitter access (they can send DID files)",
            required=False,
        ),
    }


def clean_email_value(value: str) -> str:
    value = value.strip().lower()
    if is_generic_mailbox(value):
        raise forms.ValidationError(GENERIC_EMAIL_ERROR)
    return value


def clean_telephone_value(value: str) -> str:
    if normalise_telephone(value) is None:
        raise forms.ValidationError(TELEPHONE_ERROR)
    return value.strip()


class PersonForm(NHSUKForm):
    who = "person"

    def __init__(self, *args, organisation=None, others=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.others = list(others)  # people already on the application, for duplicates
        for name, field in _person_fields(self.who).items():
            self.fields[name] = field
        self.order_fields(["name", "job_title", "email", "telephone", "submitter"])

    def clean_email(self):
        email = clean_email_value(self.cleaned_data["email"])
        if any(p["email"] == email for p in self.others):
            raise forms.ValidationError(
                "This email address is already on the application. Each person needs "
                "their own email address"
            )
        return email

    def clean_telephone(self):
        return clean_telephone_value(self.cleaned_data["telephone"])

    def person(self, *, primary_contact=False) -> dict:
        data = self.cleaned_data
        return person_record(
            name=data["name"],
            job_title=data["job_title"],
            email=data["email"],
            telephone=data["telephone"],
            primary_contact=primary_contact,
            submitter=data.get("submitter", False),
        )

    def check_submitter_limit(self, people: list[dict]):
        if self.organisation is None:
            return
        problem = checks.submitter_limit_problem(self.organisation, people)
        if problem:
            self.add_error("submitter", problem)


class PrimaryContactForm(PersonForm):
    who = "primary contact"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["changes_primary_contact"] = forms.BooleanField(
            label="This application changes our primary contact",
            help_text="Tick this only if the person above replaces your current primary "
            "contact. Your Caldicott Guardian will be asked to confirm the change.",
            required=False,
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.organisation is None:
            return cleaned
        person = self.person(primary_contact=True)
        if not cleaned.get("changes_primary_contact") and (
            differences := checks.primary_contact_differences(self.organisation, person)
        ):
            raise forms.ValidationError(checks.primary_contact_mismatch(differences))
        self.check_submitter_limit([person, *self.others])
        return cleaned


class UserForm(PersonForm):
    who = "user"

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if sum(1 for p in self.others if not p["primary_contact"]) >= checks.MAX_USERS:
            raise forms.ValidationError(
                f"You can add up to {checks.MAX_USERS} users on one certificate"
            )
        self.check_submitter_limit([*self.others, self.person()])
        return cleaned


class AddAnotherForm(NHSUKForm):
    """The NHS.UK "add another" question, asked after each person (and before the first)."""

    add_another = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, added: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["add_another"]
        if added:
            field.label = "Do you need to add another person?"
            field.legend_size = "m"
            field.error_messages["required"] = "Select yes if you need to add another person"
        else:
            # Nobody added yet: this is the page's only question, so it is the H1.
            field.label = "Does anyone else need access?"
            field.page_heading = True
            field.help_text = (
                f"Besides the primary contact, up to {checks.MAX_USERS} people can be named. "
                "An organisation can have up to 6 submitters in all, counting those who "
                "already have access."
            )
            field.error_messages["required"] = "Select yes if anyone else needs access"

    @property
    def wants_another(self) -> bool:
        return self.cleaned_data["add_another"] == "yes"


class GuardianForm(NHSUKForm):
    name = forms.CharField(
        label="Caldicott Guardian's full name",
        help_text="As registered with the Organisation Data Service (ODS).",
        max_length=200,
        error_messages={"required": "Enter your Caldicott Guardian's full name"},
    )
    email = forms.EmailField(
        label="Caldicott Guardian's registered email address",
        help_text="We will send the certificate for signature to the address on the "
        "register, never to one typed here.",
        error_messages={
            "required": "Enter your Caldicott Guardian's registered email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
    )

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.guardian = None

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.organisation is None:
            return cleaned
        self.guardian = checks.match_guardian(self.organisation, cleaned["name"], cleaned["email"])
        if self.guardian is None:
            raise forms.ValidationError(checks.GUARDIAN_NOT_FOUND)
        return cleaned


class SubmitForm(NHSUKForm):
    """No fields: "check your answers" shows the rules broken as non-field errors."""


class AuthoriseForm(NHSUKForm):
    typed_name = forms.CharField(
        label="Type your full name to sign",
        help_text="As it is registered with ODS. This is your digital signature.",
        max_length=200,
        error_messages={"required": "Type your full name to sign the certificate"},
    )

    def __init__(self, *args, guardian=None, changes_primary_contact=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.guardian = guardian
        if changes_primary_contact:
            self.fields["confirms_primary_contact_change"] = forms.BooleanField(
                label="I confirm that this application changes our primary contact to the "
                "person named above",
                required=True,
                error_messages={
                    "required": "Confirm the change of primary contact, or decline the application"
                },
            )

    def clean_typed_name(self):
        typed = self.cleaned_data["typed_name"]
        if self.guardian is not None and not same_name(typed, self.guardian.name):
            raise forms.ValidationError(NAME_MISMATCH)
        return typed


class DeclineForm(NHSUKForm):
    reason = forms.CharField(
        label="Why are you declining this application?",
        help_text="We will tell the applicant and the service desk. Do not include patient details.",
        max_length=2000,
        error_messages={"required": "Enter why you are declining this application"},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RejectForm(NHSUKForm):
    reason = forms.CharField(
        label="Reason for rejecting",
        max_length=2000,
        error_messages={"required": "Enter the reason for rejecting the application"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ContactsRequestForm(NHSUKForm):
    ods_code = forms.CharField(
        label="Your organisation's ODS code",
        help_text="For example, RR8.",
        max_length=12,
        error_messages={"required": "Enter your organisation's ODS code"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )


class GuardianEntryForm(NHSUKForm):
    organisation_code = forms.CharField(
        label="Organisation ODS code",
        max_length=12,
        error_messages={"required": "Enter the organisation's ODS code"},
    )
    name = forms.CharField(
        label="Guardian's full name",
        max_length=200,
        error_messages={"required": "Enter the guardian's full name"},
    )
    email = forms.EmailField(
        label="Registered email address",
        error_messages={
            "required": "Enter the guardian's registered email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
    )
    telephone = forms.CharField(
        label="Registered telephone number",
        max_length=30,
        required=False,
    )
    registered_from = forms.DateField(
        label="Registered from",
        help_text="For example, 01/04/2025.",
        input_formats=DATE_FORMATS,
        error_messages={
            "required": "Enter the date the registration starts",
            "invalid": "Enter the date the registration starts as day/month/year, like 01/04/2025",
        },
    )
    registered_to = forms.DateField(
        label="Registered to (optional)",
        help_text="Leave blank if the registration has no end date.",
        input_formats=DATE_FORMATS,
        required=False,
        error_messages={
            "invalid": "Enter the date the registration ends as day/month/year, like 31/03/2027"
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = None

    def clean_organisation_code(self):
        self.organisation = organisation_from_code(self.cleaned_data["organisation_code"])
        return self.organisation.code

    def clean_telephone(self):
        value = self.cleaned_data["telephone"]
        return clean_telephone_value(value) if value.strip() else ""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("registered_from"), cleaned.get("registered_to")
        if start and end and end < start:
            self.add_error("registered_to", "The end date must be the same as or after the start")
        return cleaned


class RegisterImportForm(NHSUKForm):
    file = forms.FileField(
        label="Upload a CSV file",
        help_text="Header: name,email,telephone,organisation_code,registered_from,"
        "registered_to. Dates like 2025-04-01. Nothing is added unless every line is right.",
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": "The selected file is empty",
        },
    )


# ---- the paper route --------------------------------------------------------------------

_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
SCAN_TYPE_ERROR = "The scan must be a PDF, PNG or JPEG file"


def check_scan(upload):
    """Type by content (magic bytes) and extension together, and size against the limit."""
    limit = settings.CERTIFICATE_SCAN_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(f"The scan must be smaller than {limit // (1024 * 1024)} MB")
    if upload.size == 0:
        raise forms.ValidationError("The selected file is empty")
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in _SIGNATURES:
        raise forms.ValidationError(SCAN_TYPE_ERROR)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in _SIGNATURES[extension]):
        raise forms.ValidationError(
            f"The file is called .{extension} but is not a {extension.upper()} file. "
            + SCAN_TYPE_ERROR
        )
    return upload


PAPER_SLOTS = 6
_SLOT_FIELDS = ("name", "job_title", "email", "telephone")


class PaperCertificateForm(NHSUKForm):
    """One page for a certificate that arrived by post or email: the same questions as
    online, the scan, and how the desk verified the signature against the register."""

    ods_code = OrganisationForm.base_fields["ods_code"]
    changes_primary_contact = forms.BooleanField(
        label="The certificate changes the organisation's primary contact", required=False
    )
    confirms_primary_contact_change = forms.BooleanField(
        label="The guardian's signed certificate confirms the change of primary contact",
        required=False,
    )
    guardian_name = GuardianForm.base_fields["name"]
    guardian_email = GuardianForm.base_fields["email"]
    scan = forms.FileField(
        label="Scan of the signed certificate",
        help_text="PDF, PNG or JPEG.",
        error_messages={
            "required": "Attach the scan of the signed certificate",
            "empty": "The selected file is empty",
        },
    )
    verification_method = forms.ChoiceField(
        label="How did you verify the signature against the register?",
        choices=VerificationMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you verified the guardian's signature"},
    )
    verification_notes = forms.CharField(
        label="Notes (optional)",
        help_text="For example, the date of the email or of the phone call.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in _person_fields("primary contact").items():
            self.fields[f"primary_{name}"] = field
        for slot in range(1, PAPER_SLOTS + 1):
            for name, field in _person_fields(f"user {slot}").items():
                field.required = False
                field.label = f"User {slot}: {field.label[0].lower()}{field.label[1:]}"
                self.fields[f"user{slot}_{name}"] = field
        self.content = None
        self.organisation = None

    def primary_fields(self):
        return [self[f"primary_{n}"] for n in (*_SLOT_FIELDS, "submitter")]

    def user_slots(self):
        return [
            [self[f"user{slot}_{n}"] for n in (*_SLOT_FIELDS, "submitter")]
            for slot in range(1, PAPER_SLOTS + 1)
        ]

    def clean_ods_code(self):
        organisation, problem = checks.find_open_organisation(self.cleaned_data["ods_code"])
        if problem:
            raise forms.ValidationError(problem)
        self.organisation = organisation
        return organisation.code

    def clean_scan(self):
        return check_scan(self.cleaned_data["scan"])

    def _person(self, prefix, label, *, primary):
        data = self.cleaned_data
        values = {n: (data.get(f"{prefix}_{n}") or "").strip() for n in _SLOT_FIELDS}
        if not primary and not any(values.values()):
            return None
        ok = True
        for n in _SLOT_FIELDS:
            if not values[n] and f"{prefix}_{n}" not in self.errors:
                self.add_error(f"{prefix}_{n}", f"Enter {label}'s {n.replace('_', ' ')}")
                ok = False
        if values["email"]:
            try:
                values["email"] = clean_email_value(values["email"])
            except forms.ValidationError as error:
                self.add_error(f"{prefix}_email", error)
                ok = False
        if values["telephone"]:
            try:
                clean_telephone_value(values["telephone"])
            except forms.ValidationError as error:
                self.add_error(f"{prefix}_telephone", error)
                ok = False
        if not ok:
            return None
        return person_record(
            **values, primary_contact=primary, submitter=data.get(f"{prefix}_submitter", False)
        )

    def clean(self):
        cleaned = super().clean()
        people = [self._person("primary", "the primary contact", primary=True)]
        people += [
            self._person(f"user{slot}", f"user {slot}", primary=False)
            for slot in range(1, PAPER_SLOTS + 1)
        ]
        if self.errors or self.organisation is None:
            return cleaned
        content = {
            "organisation": {"code": self.organisation.code},
            "people": [p for p in people if p],
            "changes_primary_contact": cleaned.get("changes_primary_contact", False),
            "guardian": {"name": cleaned["guardian_name"], "email": cleaned["guardian_email"]},
        }
        for _, message in checks.application_problems(content):
            self.add_error(None, message)
        if cleaned.get("changes_primary_contact") and not cleaned.get(
            "confirms_primary_contact_change"
        ):
            self.add_error(
                "confirms_primary_contact_change",
                "Confirm that the guardian's signed certificate authorises the change of "
                "primary contact",
            )
        self.content = content
        return cleaned
