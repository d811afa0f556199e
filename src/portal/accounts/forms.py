from django import forms
from django.contrib.auth import password_validation

from portal.audit.services import contains_patient_identifier
from portal.core.forms import NHSUKForm


class SignInForm(NHSUKForm):
    """Email and password. Checking them is the AuthProvider's job (portal.accounts.auth)."""

    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SecurityCodeForm(NHSUKForm):
    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code your authenticator app shows now",
        max_length=12,
        error_messages={"required": "Enter the 6-digit security code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "nhsuk-input--width-10",
            }
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError("Enter the security code as 6 digits, like 123456")
        return code


class SetPasswordForm(NHSUKForm):
    new_password = forms.CharField(
        label="Create a password",
        strip=False,
        help_text="At least 12 characters. Avoid common words and your name.",
        error_messages={"required": "Enter a password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm_password = forms.CharField(
        label="Enter the password again",
        strip=False,
        error_messages={"required": "Enter the password again"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password(self):
        password = self.cleaned_data["new_password"]
        password_validation.validate_password(password, self.user)
        return password

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password"), cleaned.get("confirm_password")
        if first and second and first != second:
            self.add_error("confirm_password", "The passwords do not match")
        return cleaned


class RevokeForm(NHSUKForm):
    reason = forms.CharField(
        label="Why is this person's access being removed?",
        help_text="For example, they have left the organisation or changed role. This is kept "
        "in the audit trail: do not include patient details.",
        max_length=300,
        error_messages={"required": "Enter why this person's access is being removed"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if contains_patient_identifier(reason):
            raise forms.ValidationError(
                "The reason looks like it contains an NHS number or a postcode. Remove it"
            )
        return reason
