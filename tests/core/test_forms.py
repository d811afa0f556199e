"""NHS.UK classes reach every field, including fields a form adds in its own __init__."""

import pytest
from django import forms

from portal.certificates.forms import PaperCertificateForm, PrimaryContactForm, UserForm
from portal.core.forms import NHSUKForm


class LateFieldsForm(NHSUKForm):
    early = forms.CharField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["late"] = forms.CharField(help_text="Added after the mixin's __init__")
        self.fields["tick"] = forms.BooleanField(required=False)


def test_fields_added_after_init_render_with_nhsuk_classes():
    html = str(LateFieldsForm())
    assert html.count('class="nhsuk-input"') == 2
    assert 'class="nhsuk-input"' in str(LateFieldsForm()["late"])
    assert 'aria-describedby="id_late-hint"' in str(LateFieldsForm()["late"])
    assert 'class="nhsuk-checkboxes__input"' in str(LateFieldsForm()["tick"])


def test_styling_twice_does_not_repeat_a_class():
    form = LateFieldsForm()
    str(form)
    str(form)
    assert form.fields["late"].widget.attrs["class"] == "nhsuk-input"


def test_late_fields_with_errors_get_the_error_class():
    form = LateFieldsForm({"early": "x"})
    assert not form.is_valid()
    assert "nhsuk-input--error" in str(form["late"])


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", [UserForm, PrimaryContactForm])
def test_the_certificate_person_forms_are_styled(form_class):
    html = str(form_class())
    assert 'class="nhsuk-input"' in str(form_class()["email"])
    # Without its class, an NHS.UK checkbox hides the input and never shows the tick.
    assert 'class="nhsuk-checkboxes__input"' in str(form_class()["submitter"])
    assert "nhsuk-input" in html


@pytest.mark.django_db
def test_the_paper_form_slots_are_styled():
    form = PaperCertificateForm()
    assert 'class="nhsuk-input"' in str(form["primary_email"])
    assert 'class="nhsuk-input"' in str(form["user6_telephone"])
