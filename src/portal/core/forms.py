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
    """Give each field the design system's classes.

    Styling happens when a field is first used (rendered or cleaned), not only in
    __init__, because forms such as the certificate's person forms add their fields after
    this __init__ has run; those fields would otherwise render as unstyled inputs, and an
    NHS.UK checkbox without its class never shows its tick.
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
        if field.help_text:
            widget.attrs.setdefault("aria-describedby", f"id_{self.add_prefix(name)}-hint")

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
                css = widget.attrs.get("class", "")
                if "nhsuk-input" in css and "--error" not in css:
                    widget.attrs["class"] = css + " nhsuk-input--error"


class NHSUKForm(NHSUKFormMixin, forms.Form):
    pass


class NHSUKModelForm(NHSUKFormMixin, forms.ModelForm):
    pass
