from django import forms

from portal.core.forms import NHSUKForm
from portal.submissions import calendar


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


class PeriodForm(NHSUKForm):
    period = forms.ChoiceField(
        label="Which month are the tests from?",
        help_text="The reporting period is the month of the imaging test date.",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the month the tests were done in"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [
            (p, calendar.period_label(p)) for p in calendar.recent_periods()
        ]
        self.fields["period"].initial = calendar.last_month()


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
        if not upload.name.lower().endswith((".csv", ".xml", ".zip")):
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
