"""The change form of a confirmed order (变更单): reason, dates, and the order's lines as the change leaves them."""

from decimal import Decimal

from django import forms
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from gendan.catalog.lookups import product_picker
from gendan.catalog.models import Product
from gendan.catalog.quantities import quantity_step
from gendan.core.forms import BootstrapForm, DecimalInput

from .models import CHANGE_HEADER_FIELDS

# Rows for new lines the form offers at most; "Add a line" asks for one more.
MAX_NEW_ROWS = 20


def _decimal_fields() -> dict:
    return {
        "quantity": forms.DecimalField(
            label=_("Quantity"), max_digits=14, decimal_places=3, required=False, widget=DecimalInput
        ),
        "unit_price": forms.DecimalField(
            label=_("Unit price"), max_digits=14, decimal_places=2, required=False, widget=DecimalInput
        ),
        "discount_percent": forms.DecimalField(
            label=_("Discount (%)"), max_digits=5, decimal_places=2, required=False, widget=DecimalInput
        ),
    }


class ChangeForm(BootstrapForm):
    """Why the order changes, and its dates (shown as the order has them; sent only when they move)."""

    reason = forms.CharField(label=_("Why does the order change?"), max_length=400, widget=forms.Textarea)
    promised_date = forms.DateField(label=_("Promised date"), required=False, widget=forms.DateInput)
    requested_date = forms.DateField(label=_("Requested date"), required=False, widget=forms.DateInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, order, change=None, **kwargs):
        self.order = order
        self.change = change
        initial = {name: getattr(order, name) for name in CHANGE_HEADER_FIELDS}
        if change is not None:
            initial.update({name: parse_date(value) if value else None for name, value in change.header.items()})
            initial.update(reason=change.reason, version=change.version)
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["reason"].widget.attrs["rows"] = 2

    def dates(self) -> dict:
        """The dates to hand the service: those that differ from the order's, and those the draft set before
        (so that putting one back to the order's own is saved too); the rest stay as they are."""
        kept = self.change.header if self.change is not None else {}
        return {
            name: self.cleaned_data[name]
            for name in CHANGE_HEADER_FIELDS
            if self.cleaned_data[name] != getattr(self.order, name) or name in kept
        }


class ChangeLineForm(BootstrapForm):
    """One line of the order as the change leaves it; its product stays (remove it and add a new line instead)."""

    remove = forms.BooleanField(label=_("Remove this line"), required=False)

    def __init__(self, *args, line, **kwargs):
        self.line = line
        super().__init__(*args, **kwargs)

    def setup_fields(self) -> None:
        self.fields.update(_decimal_fields())
        self.fields["quantity"].widget.attrs["step"] = quantity_step(self.line.product)

    @property
    def decimal_fields(self):
        return [self[name] for name in ("quantity", "unit_price", "discount_percent")]

    def service_row(self) -> dict:
        data = self.cleaned_data
        return {
            "line": self.line.pk,
            "product": None,
            "quantity": data["quantity"],
            # Blank keeps the line's price; a discount cleared is no discount.
            "unit_price": data["unit_price"],
            "discount_percent": data["discount_percent"] or Decimal("0"),
        }


class NewLineForm(BootstrapForm):
    """A line the change adds: a product picked by asking the server, its price the list price unless typed."""

    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True), required=False, widget=product_picker()
    )

    def setup_fields(self) -> None:
        self.fields.update(_decimal_fields())

    @property
    def decimal_fields(self):
        return [self[name] for name in ("quantity", "unit_price", "discount_percent")]

    @property
    def is_blank(self) -> bool:
        return not any(
            (self.data.get(f"{self.prefix}-{name}") or "").strip() for name in ("product", "quantity", "unit_price")
        )

    def service_row(self) -> dict:
        data = self.cleaned_data
        return {
            "line": None,
            "product": data["product"],
            "quantity": data["quantity"],
            "unit_price": data["unit_price"],
            "discount_percent": data["discount_percent"] or Decimal("0"),
        }


class ChangeLines:
    """The rows of the change form: one per line the order still has, then rows for new lines.

    Unbound, they show the draft being edited (or the order's lines as they are); bound, what was posted.
    `new-count` carries the number of new rows across "Add a line".
    """

    def __init__(self, data, *, order_lines, change=None, add_row=False):
        stored = {row["line"]: row for row in change.lines} if change is not None else None
        self.lines = [
            ChangeLineForm(data, prefix=f"line-{line.pk}", line=line, initial=self._initial(line, stored))
            for line in order_lines
        ]
        stored_new = [row for row in change.lines if row["line"] is None] if change is not None else []
        count = self._new_count(data, len(stored_new) + 1) + (1 if add_row else 0)
        self.new = [
            NewLineForm(data, prefix=f"new-{i}", initial=_new_initial(stored_new[i]) if i < len(stored_new) else None)
            for i in range(min(count, MAX_NEW_ROWS))
        ]
        # The form behind each row handed to the service ("lines.2" → its form), so its errors land there.
        self.row_forms: dict[str, BootstrapForm] = {}

    @staticmethod
    def _initial(line, stored) -> dict:
        current = {"quantity": line.quantity, "unit_price": line.unit_price, "discount_percent": line.discount_percent}
        if stored is None:
            return current
        row = stored.get(line.pk)
        if row is None:  # the draft removes it
            return {**current, "remove": True}
        return {name: Decimal(row[name]) for name in ("quantity", "unit_price", "discount_percent")}

    @staticmethod
    def _new_count(data, default: int) -> int:
        if data is None:
            return default
        try:
            return max(int(data.get("new-count", default)), 1)
        except ValueError:
            return 1

    @property
    def can_add(self) -> bool:
        return len(self.new) < MAX_NEW_ROWS

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self.lines]
        results += [form.is_valid() for form in self.new if not form.is_blank]
        return all(results)

    def service_rows(self) -> list[dict]:
        """The whole new set of lines for the service: the lines kept, then the new ones filled in."""
        sent = [form for form in self.lines if not form.cleaned_data["remove"]]
        sent += [form for form in self.new if not form.is_blank]
        self.row_forms = {f"lines.{i}": form for i, form in enumerate(sent)}
        return [form.service_row() for form in sent]


def _new_initial(row: dict) -> dict:
    return {
        "product": row["product"],
        **{name: Decimal(row[name]) for name in ("quantity", "unit_price", "discount_percent")},
    }
