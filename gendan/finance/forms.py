import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gendan.core.bounds import id_from
from gendan.core.errors import ApplicationError
from gendan.core.forms import BootstrapForm, add_service_errors, bootstrap
from gendan.crm.lookups import customer_picker
from gendan.crm.models import Customer, InvoiceKind
from gendan.sales.forms import OrderLineQuantitiesForm

from . import services
from .models import InvoiceStatus, Payment


class InvoiceForm(OrderLineQuantitiesForm):
    """A new invoice from the order page: per line, what is shipped and not yet invoiced; of the kind the customer
    gets unless chosen otherwise."""

    # Left out, the service takes the customer's kind.
    kind = forms.ChoiceField(label=_("Invoice kind"), choices=InvoiceKind.choices, required=False)

    def __init__(self, *args, order_lines, customer, **kwargs):
        super().__init__(
            *args,
            order_lines=order_lines,
            left=lambda line: line.shipped_quantity - line.invoiced_quantity,
            **kwargs,
        )
        self.fields["kind"].initial = customer.invoice_kind

    def chosen_kind(self) -> str | None:
        return self.cleaned_data.get("kind") or None


class FapiaoNumberForm(BootstrapForm):
    """The number the tax control system printed on the fapiao (its form is the service's to check): given when the
    invoice is issued, if known by then, or entered later."""

    fapiao_number = forms.CharField(
        label=_("Fapiao number"),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": _("Fapiao number")}
        ),
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fapiao_number"].required = required


class PaymentForm(BootstrapForm):
    """A payment from the order's customer, allocated to the order's open issued invoices."""

    amount = forms.DecimalField(label=_("Amount received"), max_digits=14, decimal_places=2)
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)

    def __init__(self, *args, invoices, instalment=None, **kwargs):
        """`instalment`: the order's next open instalment, whose open part is offered when nothing is invoiced."""
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.allocation_fields = []
        for invoice in invoices:
            if invoice.status != InvoiceStatus.ISSUED or invoice.open_amount <= 0:
                continue
            name = f"alloc_{invoice.pk}"
            self.fields[name] = forms.DecimalField(
                label=invoice.number,
                max_digits=14,
                decimal_places=2,
                min_value=0,
                required=False,
                initial=invoice.open_amount,
            )
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "any"})
            self.allocation_fields.append((invoice, name))
        self.fields["amount"].initial = sum(invoice.open_amount for invoice, _name in self.allocation_fields) or (
            instalment.open_amount if instalment is not None else None
        )
        self.fields["amount"].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        bootstrap(self)
        self._submitted: list[str] = []

    @property
    def allocation_rows(self):
        return [(invoice, self[name]) for invoice, name in self.allocation_fields]

    def record(self, *, actor, customer, order=None):
        """The payment the valid form describes, or None with the refusal on the form.

        `order`: the order it is recorded on; what it leaves unallocated is a deposit for that order.
        """
        try:
            return services.payment_record(
                actor=actor,
                customer=customer,
                order=order,
                amount=self.cleaned_data["amount"],
                received_on=self.cleaned_data["received_on"],
                method=self.cleaned_data["method"],
                reference=self.cleaned_data["reference"],
                allocations=self.allocations(),
            )
        except ValidationError as exc:
            self.add_service_errors(exc)
        except ApplicationError as exc:
            self.add_application_error(exc)
        return None

    def allocations(self) -> list[dict]:
        """The service's `allocations`: every invoice with an amount above zero."""
        rows, self._submitted = [], []
        for invoice, name in self.allocation_fields:
            amount = self.cleaned_data.get(name)
            if amount:
                rows.append({"invoice": invoice, "amount": amount})
                self._submitted.append(name)
        return rows

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            renamed = {}
            for key, messages in exc.message_dict.items():
                field, index, _name = (key.split(".") + ["", ""])[:3]
                if field == "allocations" and index.isdigit() and int(index) < len(self._submitted):
                    renamed[self._submitted[int(index)]] = messages
                else:
                    renamed[key] = messages
            exc = ValidationError(renamed)
        add_service_errors(exc, {"": self})

    def add_application_error(self, exc: ApplicationError) -> None:
        """A refused allocation names its invoice: show it on that invoice's field."""
        name = f"alloc_{exc.extra.get('invoice')}"
        self.add_error(name if name in self.fields else None, exc.message)


class RefundForm(BootstrapForm):
    """Money paid back of what a payment left unallocated (finance.services_refunds checks it again)."""

    amount = forms.DecimalField(label=_("Amount refunded"), max_digits=14, decimal_places=2)
    refunded_on = forms.DateField(label=_("Refunded on"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)
    reason = forms.CharField(label=_("Why does the money go back?"), max_length=400)

    def __init__(self, *args, payment, **kwargs):
        super().__init__(*args, prefix="refund", **kwargs)
        self.fields["amount"].initial = payment.unallocated_amount
        self.fields["refunded_on"].initial = timezone.localdate()
        self.fields["method"].initial = payment.method


class StatementForm(BootstrapForm):
    """A customer's statement for a period: last month unless chosen otherwise."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none(), widget=customer_picker())
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.visible_to(user)
        self.fields["customer"].widget.user = user
        first_of_this_month = timezone.localdate().replace(day=1)
        last_month_end = first_of_this_month - datetime.timedelta(days=1)
        self.fields["period_start"].initial = last_month_end.replace(day=1)
        self.fields["period_end"].initial = last_month_end

    def for_customer(self, value) -> "StatementForm":
        """Start with the customer (?customer= from their page) when the user sees them."""
        customer_id = id_from(value)
        if customer_id and self.fields["customer"].queryset.filter(pk=customer_id).exists():
            self.fields["customer"].initial = customer_id
        return self


class ResolutionForm(BootstrapForm):
    resolution = forms.CharField(
        label=_("How was the dispute resolved?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class StatementSendForm(BootstrapForm):
    emails = forms.CharField(
        label=_("Send to"),
        required=False,
        help_text=_("E-mail addresses separated by commas; leave empty to send to the customer's contacts."),
    )

    def addresses(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["emails"].replace("，", ",").split(",") if part.strip()]
