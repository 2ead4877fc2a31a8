"""Quotation entry: the header form. The lines use the order entry's HTMX line editor (sales.forms.LineEditor)."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gendan.core.bounds import id_from
from gendan.core.forms import BootstrapForm, DecimalInput
from gendan.crm.lookups import customer_picker
from gendan.crm.models import OPEN_STAGES, Contact, Customer, Opportunity

from .services_quotations import default_valid_until


class QuotationForm(BootstrapForm):
    """The quotation header. Customers and contacts are limited to what the user may see."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none(), widget=customer_picker())
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    opportunity = forms.ModelChoiceField(label=_("Opportunity"), queryset=Opportunity.objects.none(), required=False)
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        initial=Decimal("13"),
        widget=DecimalInput,
    )
    terms = forms.CharField(
        label=_("Terms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Printed on the quotation: payment, delivery, warranty."),
    )
    notes = forms.CharField(
        label=_("Internal notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For colleagues only; never printed."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    # The fields handed to quotation_create / quotation_update besides the customer and the lines.
    service_fields = ["contact", "opportunity", "valid_until", "tax_rate", "terms", "notes"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        customers = Customer.objects.visible_to(user).order_by("name")
        self.fields["customer"].queryset = customers
        self.fields["customer"].widget.user = user
        self.fields["tax_rate"].initial = settings.DEFAULT_TAX_RATE
        self.fields["valid_until"].initial = default_valid_until()
        customer_id = self["customer"].value()
        if customer_id:
            self.fields["contact"].queryset = Contact.objects.filter(customer__in=customers, customer_id=customer_id)
            # The customer's open deals, and the one already chosen whatever its stage.
            chosen = self["opportunity"].value()
            self.fields["opportunity"].queryset = (
                Opportunity.objects.visible_to(user)
                .filter(customer_id=customer_id)
                .filter(Q(stage__in=OPEN_STAGES) | Q(pk=id_from(chosen)))
                .order_by("-created_at")
            )
        # Picking another customer swaps in that customer's contacts.
        self.fields["customer"].widget.attrs.update(
            {
                "hx-get": reverse("quotations:editor_customer"),
                "hx-target": "#customer-fields",
                "hx-trigger": "change",
            }
        )
        # Changing the tax rate re-computes the editor's totals (see quotation_form.html).
        self.fields["tax_rate"].widget.attrs["data-recalc"] = ""
