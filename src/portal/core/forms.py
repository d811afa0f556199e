"""NHS.UK styling for every Django form, declared once.

`NHSUKFormRenderer` renders each field through templates/nhsuk/field.html, and
`NHSUKForm` gives each widget the design system's classes, so individual forms only
declare fields and rules.
"""

from django import forms
from django.forms.renderers import TemplatesSetting

_WIDGET_CLASSES = {
    forms.Textarea: "nhsuk-textarea",
    forms.Select: "nhsuk-select",
    # The design system's file input class, which carries its visible focus style.
    forms.ClearableFileInput: "nhsuk-file-upload__input",
    forms.FileInput: "nhsuk-file-upload__input",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
}


# The design system's red border for a field with an error, by the field's own class.
_ERROR_CLASSES = ("nhsuk-input", "nhsuk-textarea", "nhsuk-select")


class NHSUKFormRenderer(TemplatesSetting):
    form_template_name = "nhsuk/form.html"
    field_template_name = "nhsuk/field.html"


class NHSUKFormMixin:
    """Give each field the design system's classes.

    Styling happens when a field is first used (rendered or cleaned), not only in
    __init__, because forms such as the certificate's person forms add their fields after
    this __init__ has run; those fields would otherwise render as unstyled inputs, and an
    NHS.UK checkbox without its class never shows its tick.

    aria-describedby is left to Django (BoundField.aria_describedby names `<id>_helptext`
    and `<id>_error`), and templates/nhsuk/field.html gives the hint and error those ids.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self._style_field(name)

    def _style_field(self, name):
        field = self.fields[name]
        widget = field.widget
        css = next((c for cls, c in _WIDGET_CLASSES.items() if isinstance(widget, cls)), None)
        if css is None and isinstance(widget, forms.widgets.Input):
            css = "nhsuk-input"
        classes = widget.attrs.get("class", "").split()
        if css and css not in classes:
            widget.attrs["class"] = " ".join([*classes, css])

    def __getitem__(self, name):
        if name in self.fields:
            self._style_field(name)
        return super().__getitem__(name)

    def full_clean(self):
        for name in self.fields:
            self._style_field(name)
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "").split()
                for base in _ERROR_CLASSES:
                    if base in classes and f"{base}--error" not in classes:
                        widget.attrs["class"] = " ".join([*classes, f"{base}--error"])


class NHSUKForm(NHSUKFormMixin, forms.Form):
    pass


class NHSUKModelForm(NHSUKFormMixin, forms.ModelForm):
    pass
