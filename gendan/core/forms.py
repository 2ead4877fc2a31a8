"""What every UI form shares: Bootstrap classes, and service errors shown where they belong."""

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from .errors import ApplicationError, ErrorCode
from .numbers import plain_decimal


def bootstrap(form: forms.BaseForm) -> forms.BaseForm:
    """Give each widget its Bootstrap 5 class, marking invalid fields, so templates stay plain."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
            css = "form-check-input"
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            css = "form-select"
        else:
            css = "form-control"
        if type(widget) is forms.DateInput:
            # The browser's date picker; it sends and expects ISO dates whatever the language.
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"
        # `_errors`, not `errors`: reading `errors` would validate the form from inside its
        # __init__, before a subclass has set its querysets.
        if form.is_bound and form._errors and name in form._errors:
            css += " is-invalid"
        widget.attrs["class"] = css
        if isinstance(widget, forms.Textarea):
            widget.attrs["rows"] = 3
    return form


class DecimalInput(forms.NumberInput):
    """A number input that shows a Decimal as people type it: 10, not 1E+1 or 10.000."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            return plain_decimal(value)
        return super().format_value(value)


class BootstrapForm(forms.Form):
    """A form whose widgets carry Bootstrap classes; subclasses add dynamic fields in `setup_fields`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_fields()
        bootstrap(self)

    def setup_fields(self) -> None:
        pass

    def full_clean(self):
        super().full_clean()
        bootstrap(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        bootstrap(self)


def add_service_errors(exc: ValidationError, forms_by_prefix: dict[str, forms.BaseForm]) -> None:
    """Put a service's ValidationError on the forms that produced the input.

    Keys are the service's field names, nested rows flat and dotted ("contacts.0.name"):
    `forms_by_prefix` maps "" to the main form and "contacts.0" to the form of that row.
    A key no form has a field for becomes a non-field error of the main form, so no
    message is ever dropped.
    """
    main = forms_by_prefix[""]
    if not hasattr(exc, "error_dict"):
        main.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        prefix, _dot, name = key.rpartition(".")
        owner, _dot, last = prefix.rpartition(".")
        if last == "custom_fields" and f"cf_{name}" in getattr(forms_by_prefix.get(owner), "fields", ()):
            # A custom field's input is named cf_<key> (core.forms_custom_fields), on the record's or the row's form.
            prefix, name = owner, f"cf_{name}"
        form = forms_by_prefix.get(prefix)
        if form is not None and name in form.fields:
            form.add_error(name, messages)
        elif key == NON_FIELD_ERRORS or form is None:
            main.add_error(None, messages)
        else:
            form.add_error(None, messages)


def run_service(form, call, row_forms=None):
    """Call a service with a valid form's input: what it returns, or None with its refusal on the form.

    `row_forms` maps the prefixes of nested rows ("lines.0") to their forms, so a row's error
    lands on its own row. A refusal because the record changed since the form was loaded (a
    stale version) also sets `form.stale`, so the page can offer to reload it.
    """
    form.stale = False
    form.refusal = None
    try:
        return call()
    except ValidationError as exc:
        add_service_errors(exc, {"": form, **(row_forms or {})})
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        form.stale = exc.code == ErrorCode.STALE_VERSION
        form.refusal = exc
    return None
