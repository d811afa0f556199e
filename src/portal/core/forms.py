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
    forms.ClearableFileInput: "nhsuk-file-upload",
    forms.FileInput: "nhsuk-file-upload",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
}


class NHSUKFormRenderer(TemplatesSetting):
    form_template_name = "nhsuk/form.html"
    field_template_name = "nhsuk/field.html"


class NHSUKFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            css = next((c for cls, c in _WIDGET_CLASSES.items() if isinstance(widget, cls)), None)
            if css is None and isinstance(widget, forms.widgets.Input):
                css = "nhsuk-input"
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
            if field.help_text:
                widget.attrs.setdefault("aria-describedby", f"id_{self.add_prefix(name)}-hint")

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                css = widget.attrs.get("class", "")
                if "nhsuk-input" in css and "--error" not in css:
                    widget.attrs["class"] = css + " nhsuk-input--error"


class NHSUKForm(NHSUKFormMixin, forms.Form):
    pass


class NHSUKModelForm(NHSUKFormMixin, forms.ModelForm):
    pass
