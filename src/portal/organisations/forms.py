"""What forms of other apps share about organisations."""

from django import forms

from portal.organisations.models import Organisation


def organisation_from_code(typed: str) -> Organisation:
    """The organisation whose ODS code was typed (any case, spaces around), or the one
    plain error every form gives for a code that names none."""
    code = typed.strip().upper()
    found = Organisation.objects.filter(code=code).first()
    if found is None:
        raise forms.ValidationError(f"There is no organisation with the ODS code {code}")
    return found
