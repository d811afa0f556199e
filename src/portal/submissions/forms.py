from django import forms

from portal.core.forms import NHSUKForm
from portal.organisations.forms import organisation_from_code
from portal.submissions.services import ALLOWED_EXTENSIONS


class OrganisationForm(NHSUKForm):
    organisation = forms.ChoiceField(
        label="Which organisation are you submitting for?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the organisation you are submitting for"},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [
            (o.code, f"{o.name} ({o.code})") for o in organisations
        ]


class RadioSelectWidget(forms.RadioSelect):
    """Radios with a hint under each option (NHS.UK "radios with hints"). The class name
    keeps Django's widget_type "radioselect", so the field is still a fieldset."""

    template_name = "submissions/widgets/radios_with_hints.html"

    def __init__(self, *args, hints=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.hints = hints or {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for _group, options, _index in context["widget"]["optgroups"]:
            for option in options:
                option["hint"] = self.hints.get(str(option["value"]), "")
        return context


class PeriodForm(NHSUKForm):
    period = forms.ChoiceField(
        label="Which month are the tests from?",
        help_text="The reporting period is the month of the imaging test date.",
        widget=RadioSelectWidget,
        error_messages={"required": "Select the month the tests were done in"},
    )

    def __init__(self, *args, choices=(), **kwargs):
        """`choices`: services.PeriodChoice items, in the order offered."""
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(c.period, c.label) for c in choices]
        self.fields["period"].widget.hints = {c.period: c.hint for c in choices}
        self.fields["period"].initial = choices[0].period if choices else None


class UploadForm(NHSUKForm):
    file = forms.FileField(
        label="Upload your file",
        help_text=(
            "A CSV file of the 18 data items (in the national order, with the test date "
            "before the NICIP and SNOMED CT codes, or with a header row naming them), a DIDS "
            "XML file, or a zip file holding one."
        ),
        error_messages={"required": "Select the file to upload", "empty": "The file is empty"},
    )

    def __init__(self, *args, too_large=False, max_bytes=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.max_bytes = max_bytes

    def clean(self):
        if self.too_large:
            self.errors.pop("file", None)
            self.add_error("file", f"The file must be smaller than {human_size(self.max_bytes)}")
        return super().clean()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_EXTENSIONS):
            if hasattr(upload, "discard"):
                upload.discard()
            raise forms.ValidationError("The file must be a CSV, XML or zip file")
        return upload


class ApiTokenForm(NHSUKForm):
    name = forms.CharField(
        label="Name this token",
        help_text="For example, the system that will use it: 'RIS nightly export'.",
        max_length=100,
        error_messages={"required": "Enter a name for the token"},
    )


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:g} {unit}" if unit == "bytes" else f"{size:.3g} {unit}"
        size /= 1024
    return f"{size} bytes"


class ReplaceForm(NHSUKForm):
    decision = forms.ChoiceField(
        label="Do you want this file to replace the accepted data?",
        widget=forms.RadioSelect,
        choices=[
            ("replace", "Yes, replace the accepted data with this file"),
            ("keep", "No, keep the accepted file"),
        ],
        error_messages={"required": "Select whether this file should replace the accepted data"},
    )
    replaces = forms.CharField(widget=forms.HiddenInput, required=False)


class AuthorityForm(NHSUKForm):
    organisation = forms.CharField(
        label="Organisation that submits (ODS code)",
        max_length=12,
        error_messages={"required": "Enter the ODS code of the organisation that submits"},
    )
    provider = forms.CharField(
        label="Provider it submits for (ODS code)",
        max_length=12,
        error_messages={"required": "Enter the ODS code of the provider"},
    )
    valid_from = forms.DateField(
        label="From",
        help_text="The first day, for example 2026-10-01",
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": "Enter the date it starts",
            "invalid": "Enter the date it starts like 2026-10-01",
        },
    )
    valid_until = forms.DateField(
        label="Until (optional)",
        help_text="The last day, for example 2027-03-31. Leave empty if it has no end yet.",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the last day like 2027-03-31"},
    )
    note = forms.CharField(
        label="Note (optional)",
        help_text="For example, the agreement it rests on. Do not include patient details.",
        required=False,
        max_length=200,
    )

    def clean_organisation(self):
        return organisation_from_code(self.cleaned_data["organisation"])

    def clean_provider(self):
        return organisation_from_code(self.cleaned_data["provider"])


class EndAuthorityForm(NHSUKForm):
    until = forms.DateField(
        label="Last day",
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": "Enter the last day",
            "invalid": "Enter the last day like 2027-03-31",
        },
    )
