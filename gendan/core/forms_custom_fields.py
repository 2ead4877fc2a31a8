"""Custom fields on a record's form: one input per active field, named `cf_<key>`, handed to the service as one dict.

The form only shapes input (a number, a date, an id); the record's service checks the values with
core.custom_fields, and its errors (`custom_fields.<key>`) land on these inputs (core.forms.add_service_errors).
"""

from collections.abc import Callable

from django import forms
from django.utils.translation import gettext_lazy as _

from .custom_fields import FIELD, TEXT_MAX_LENGTH, fields_of
from .forms import DecimalInput, bootstrap
from .models import CustomField, CustomFieldKind, CustomRecordType

PREFIX = "cf_"


def _form_field(field: CustomField, person_picker: Callable[[], forms.Widget]) -> forms.Field:
    common = {"label": field.label, "required": field.required, "help_text": field.help_text}
    if field.kind == CustomFieldKind.NUMBER:
        return forms.DecimalField(widget=DecimalInput(attrs={"step": "any"}), **common)
    if field.kind == CustomFieldKind.DATE:
        return forms.DateField(widget=forms.DateInput, **common)
    if field.kind == CustomFieldKind.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *((c, c) for c in field.choices)], **common)
    if field.kind == CustomFieldKind.PERSON:
        return forms.CharField(widget=person_picker(), **common)
    return forms.CharField(max_length=TEXT_MAX_LENGTH, **common)


class CustomFieldsMixin:
    """For a BootstrapForm of a record: call `add_custom_fields` in `setup_fields`; `cleaned_data["custom_fields"]`
    then holds {key: value} of every custom input, for the service's `custom_fields=`."""

    custom_defs: list[CustomField] = []

    def add_custom_fields(self, record_type: str, *, person_picker, values: dict | None = None) -> None:
        self.custom_defs = fields_of(record_type)
        for field in self.custom_defs:
            name = PREFIX + field.key
            self.fields[name] = _form_field(field, person_picker)
            if values is not None:
                self.initial.setdefault(name, values.get(field.key))

    @property
    def custom_inputs(self):
        return [self[PREFIX + field.key] for field in self.custom_defs]

    def clean(self):
        cleaned = super().clean()
        cleaned[FIELD] = {
            field.key: cleaned.pop(PREFIX + field.key) for field in self.custom_defs if PREFIX + field.key in cleaned
        }
        return cleaned


class CustomFieldForm(forms.Form):
    """A field's definition, shapes only: the service checks the key, the label and the choices. The record type, key
    and kind are chosen once: records hold values under them."""

    record_type = forms.ChoiceField(label=_("Record type"), choices=CustomRecordType.choices)
    key = forms.CharField(
        label=_("Key"),
        max_length=40,
        help_text=_("Lower-case letters, digits and underscores; the name in the API, filters and exports."),
    )
    label = forms.CharField(label=_("Label"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomFieldKind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea,
        help_text=_("For a choice field: one choice a line."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32767, initial=0)
    help_text = forms.CharField(label=_("Help text"), max_length=200, required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("record_type", "key", "kind"):
                del self.fields[name]
        bootstrap(self)

    def clean_choices(self):
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]
