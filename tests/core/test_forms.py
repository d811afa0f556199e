"""NHS.UK classes reach every field, including fields a form adds in its own __init__."""

import re

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
    assert 'aria-describedby="id_late_helptext"' in str(LateFieldsForm()["late"])
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


def _ids(html):
    return set(re.findall(r'id="([^"]+)"', html))


def test_a_field_with_an_error_and_a_hint_names_both_elements_that_exist():
    form = LateFieldsForm({"early": "x"})
    assert not form.is_valid()
    html = form["late"].as_field_group()
    described = re.search(r'aria-describedby="([^"]+)"', html).group(1).split()
    assert described == ["id_late_helptext", "id_late_error"]
    assert set(described) <= _ids(html)
    assert 'aria-invalid="true"' in html


def test_a_field_with_only_an_error_names_the_error_element():
    form = LateFieldsForm({"late": "x"})
    assert not form.is_valid()
    html = form["early"].as_field_group()
    assert 'aria-describedby="id_early_error"' in html
    assert 'id="id_early_error"' in html


def test_a_radio_fieldset_is_described_by_its_error():
    class Choice(NHSUKForm):
        colour = forms.ChoiceField(
            choices=[("r", "Red"), ("b", "Blue")], widget=forms.RadioSelect, help_text="Pick one"
        )

    form = Choice({})
    assert not form.is_valid()
    html = form["colour"].as_field_group()
    assert 'aria-describedby="id_colour_helptext id_colour_error"' in html
    assert {"id_colour_helptext", "id_colour_error"} <= _ids(html)


def test_a_file_input_gets_the_design_systems_class_which_carries_its_focus_style():
    class Upload(NHSUKForm):
        file = forms.FileField()

    assert 'class="nhsuk-file-upload__input"' in str(Upload()["file"])
