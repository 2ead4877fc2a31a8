"""Order entry: the header form and the rows of the HTMX line editor."""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gendan.accounts.lookups import user_picker
from gendan.catalog.quantities import quantity_step
from gendan.core.bounds import BIGINT_MAX, id_from
from gendan.core.forms import BootstrapForm, DecimalInput, add_service_errors, bootstrap
from gendan.core.forms_custom_fields import CustomFieldsMixin
from gendan.crm.lookups import customer_picker
from gendan.crm.models import Address, Contact, Customer
from gendan.inventory.models import Warehouse

from .lines import line_amount, order_totals
from .models import PAYMENT_TERMS_MAX_DAYS, Priority
from .selectors import products_for_order_entry


class OrderForm(CustomFieldsMixin, BootstrapForm):
    """The order header. Customers, contacts and addresses are limited to what the user may see."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none(), widget=customer_picker())
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    shipping_address = forms.ModelChoiceField(
        label=_("Shipping address"), queryset=Address.objects.none(), required=False
    )
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.all(), empty_label=None)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    requested_date = forms.DateField(
        label=_("Requested date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    promised_date = forms.DateField(
        label=_("Promised date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    customer_reference = forms.CharField(label=_("Customer PO"), max_length=64, required=False)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"),
        min_value=0,
        max_value=PAYMENT_TERMS_MAX_DAYS,
        required=False,
        help_text=_("Leave empty for the customer's terms."),
    )
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        initial=Decimal("13"),
        widget=DecimalInput,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    duplicate_reason = forms.CharField(
        label=_("Why this is not a duplicate"),
        max_length=500,
        required=False,
        help_text=_("The customer placed an order like this one in the last 24 hours."),
    )

    # The fields handed to sales.services.order_create / order_update.
    service_fields = [
        "contact",
        "shipping_address",
        "warehouse",
        "priority",
        "requested_date",
        "promised_date",
        "customer_reference",
        "payment_terms_days",
        "tax_rate",
        "notes",
    ]

    def __init__(self, *args, user, custom_values: dict | None = None, with_custom_fields: bool = False, **kwargs):
        # The editor's fragments (the customer's contacts) build the form too, without the custom inputs.
        self.custom_values = custom_values
        self.with_custom_fields = with_custom_fields
        super().__init__(*args, **kwargs)
        customers = Customer.objects.visible_to(user).order_by("name")
        self.fields["customer"].queryset = customers
        self.fields["customer"].widget.user = user
        self.fields["tax_rate"].initial = settings.DEFAULT_TAX_RATE
        customer_id = self["customer"].value()
        if customer_id:
            # Only a visible customer's contacts and addresses can be picked.
            self.fields["contact"].queryset = Contact.objects.filter(customer__in=customers, customer_id=customer_id)
            self.fields["shipping_address"].queryset = Address.objects.filter(
                customer__in=customers, customer_id=customer_id
            )
        # Picking another customer swaps in that customer's contacts and addresses.
        self.fields["customer"].widget.attrs.update(
            {"hx-get": reverse("sales:editor_customer"), "hx-target": "#customer-fields", "hx-trigger": "change"}
        )
        # Changing these re-computes the editor's totals and stock (see order_form.html).
        self.fields["warehouse"].widget.attrs["data-recalc"] = ""
        self.fields["tax_rate"].widget.attrs["data-recalc"] = ""

    def setup_fields(self):
        if self.with_custom_fields:
            self.add_custom_fields("sales.order", person_picker=user_picker, values=self.custom_values)


class OrderLineForm(BootstrapForm):
    product = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        # Bounded like any id: a number past the 64-bit range cannot even be looked up.
        min_value=1,
        max_value=BIGINT_MAX,
        error_messages={key: _("Choose a product.") for key in ("invalid", "min_value", "max_value")},
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=14, decimal_places=3, required=False, widget=DecimalInput
    )
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=2, required=False)
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"), max_digits=5, decimal_places=2, required=False, widget=DecimalInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("quantity", "unit_price", "discount_percent"):
            self.fields[name].widget.attrs.update({"data-recalc": "", "inputmode": "decimal", "step": "any"})


def new_row_key() -> str:
    """A row's key in the editor: a token, so rows can be added and removed in any order."""
    return secrets.token_hex(4)


@dataclass
class LineRow:
    key: str
    form: OrderLineForm
    product: object = None  # catalog Product annotated with `available`, or None
    amount: Decimal | None = None

    def __post_init__(self):
        self.attach(self.product)

    def attach(self, product) -> None:
        self.product = product
        if product is not None:
            # The browser steps by the product's unit: whole 台, metres to the centimetre.
            self.form.fields["quantity"].widget.attrs["step"] = quantity_step(product)

    @property
    def is_blank(self) -> bool:
        data = self.form.data
        prefix = self.form.prefix
        return not any((data.get(f"{prefix}-{name}") or "").strip() for name in ("product", "quantity", "unit_price"))

    def service_row(self) -> dict:
        data = self.form.cleaned_data
        return {
            "product": self.product,
            "quantity": data.get("quantity"),
            "unit_price": data.get("unit_price"),
            "discount_percent": data.get("discount_percent") or Decimal("0"),
        }


class LineEditor:
    """The rows of the line editor, parsed from the posted form: `line` lists the row keys in page order."""

    def __init__(self, rows: list[LineRow], warehouse_id, tax_rate):
        self.rows = rows
        self.warehouse_id = warehouse_id
        self.tax_rate = tax_rate
        self.errors: list[str] = []

    @classmethod
    def from_data(cls, data, *, warehouse_id, tax_rate, skip_blank=False) -> "LineEditor":
        rows = [LineRow(key, OrderLineForm(data, prefix=f"lines-{key}")) for key in data.getlist("line")]
        for row in rows:
            row.form.is_valid()
        if skip_blank:
            rows = [row for row in rows if not row.is_blank]
        editor = cls(rows, warehouse_id, tax_rate)
        editor._attach_products()
        return editor

    @classmethod
    def from_lines(cls, lines, *, warehouse_id, tax_rate) -> "LineEditor":
        rows = []
        for line in lines:
            key = new_row_key()
            form = OrderLineForm(
                prefix=f"lines-{key}",
                initial={
                    "product": line.product_id,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "discount_percent": line.discount_percent,
                },
            )
            rows.append(LineRow(key, form))
        editor = cls(rows, warehouse_id, tax_rate)
        editor._attach_products()
        return editor

    @classmethod
    def blank(cls, *, warehouse_id, tax_rate) -> "LineEditor":
        key = new_row_key()
        return cls([LineRow(key, OrderLineForm(prefix=f"lines-{key}"))], warehouse_id, tax_rate)

    def _product_id(self, row):
        if row.form.is_bound:
            return row.form.cleaned_data.get("product") if hasattr(row.form, "cleaned_data") else None
        return row.form.initial.get("product")

    def _attach_products(self) -> None:
        """One query for all rows' products, with their stock in the order's warehouse."""
        ids = {pid for pid in (self._product_id(row) for row in self.rows) if pid}
        products = {}
        if ids:
            products = {p.pk: p for p in products_for_order_entry(warehouse_id=self.warehouse_id, ids=ids)}
        for row in self.rows:
            pid = self._product_id(row)
            row.attach(products.get(pid))
            if pid and row.product is None and row.form.is_bound:
                row.form.add_error("product", _("This product does not exist."))

    @property
    def is_valid(self) -> bool:
        return all(row.form.is_valid() for row in self.rows)

    def service_rows(self) -> list[dict]:
        return [row.service_row() for row in self.rows]

    def compute(self) -> tuple[Decimal, Decimal, Decimal]:
        """Each row's amount and the order's totals, by the services' own arithmetic.

        Rows not complete yet (no product or quantity) count as nothing; the price
        defaults to the product's list price as it does when the order is saved. Saved
        lines (unbound rows) count with their saved values, so the editor opens with
        their amounts and totals.
        """
        for row in self.rows:
            row.amount = None
            if row.product is None or (row.form.is_bound and not row.form.is_valid()):
                continue
            data = row.form.cleaned_data if row.form.is_bound else row.form.initial
            quantity = data.get("quantity")
            price = data.get("unit_price")
            if price is None:
                price = row.product.list_price
            if quantity is None:
                continue
            row.amount = line_amount(quantity, price, data.get("discount_percent") or Decimal("0"))
        amounts = [row.amount for row in self.rows if row.amount is not None]
        return order_totals(amounts, self.tax_rate)


def tax_rate_from(data, default) -> Decimal:
    """The header's tax rate as typed, or `default` while it is not a number between 0 and 100."""
    try:
        rate = Decimal(data.get("tax_rate"))
    except (TypeError, ArithmeticError, ValueError):
        return default
    return rate if rate.is_finite() and 0 <= rate <= 100 else default


def warehouse_id_from(data, default):
    return id_from(data.get("warehouse")) or default


class OrderLineQuantitiesForm(BootstrapForm):
    """A quantity per order line, defaulting to what is left to do on it (to ship, to invoice).

    Lines with nothing left get no field. Service errors on "lines.<i>.quantity" land on the
    field of the i-th line handed to the service.
    """

    def __init__(self, *args, order_lines, left, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in order_lines:
            open_quantity = left(line)
            if open_quantity <= 0:
                continue
            name = f"qty_{line.pk}"
            self.fields[name] = forms.DecimalField(
                label=str(line.product),
                max_digits=14,
                decimal_places=3,
                min_value=0,
                required=False,
                initial=open_quantity,
                widget=DecimalInput,
            )
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": quantity_step(line.product)})
            self.line_fields.append((line, open_quantity, name))
        bootstrap(self)
        self._submitted: list[str] = []

    @property
    def quantity_rows(self):
        return [(line, open_quantity, self[name]) for line, open_quantity, name in self.line_fields]

    def line_rows(self) -> list[dict]:
        """The service's `lines`: every line with a quantity above zero."""
        rows, self._submitted = [], []
        for line, _open, name in self.line_fields:
            quantity = self.cleaned_data.get(name)
            if quantity:
                rows.append({"order_line": line, "quantity": quantity})
                self._submitted.append(name)
        return rows

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            renamed = {}
            for key, messages in exc.message_dict.items():
                field, index, name = (key.split(".") + ["", ""])[:3]
                if field == "lines" and index.isdigit() and int(index) < len(self._submitted) and name:
                    renamed[self._submitted[int(index)]] = messages
                else:
                    renamed[key] = messages
            exc = ValidationError(renamed)
        add_service_errors(exc, {"": self})
