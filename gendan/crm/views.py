import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.core import custom_fields, panels
from gendan.core.errors import ApplicationError
from gendan.core.forms import add_service_errors, bootstrap, run_service
from gendan.core.selectors import timeline_events
from gendan.core.tables import list_response

from . import services
from .forms import (
    CUSTOMER_FORM_FIELDS,
    AddressForm,
    ContactForm,
    CustomerEditForm,
    CustomerForm,
    FirstAddressForm,
    FirstContactForm,
)
from .forms_followups import FollowUpForm
from .lists import customer_filter
from .models import Customer
from .selectors import (
    credit_available,
    customer_contracts,
    customer_detail_queryset,
    customer_followups,
    customer_meetings,
    customer_opportunities,
    customer_page_queryset,
)
from .tables import CustomerTable

# Contracts in force ending this soon are flagged on the customer page.
CONTRACT_SOON_DAYS = 60


@login_required
@permission_required("crm.view_customer", raise_exception=True)
def customer_list_view(request):
    filterset = customer_filter(request.user, request.GET, request=request)
    bootstrap(filterset.form)
    return list_response(request, CustomerTable, filterset.qs, "crm/customer_list.html", {"filter": filterset})


def _detail_context(request, customer, **forms):
    return {
        "customer": customer,
        "credit_available": credit_available(customer),
        "custom_rows": custom_fields.record_rows("crm.customer", customer),
        "contacts": custom_fields.rows_of_each("crm.contact", customer.contacts.all()),
        "addresses": customer.addresses.all(),
        # Cards other apps add: the customer's quotations and orders (sales).
        "panels": panels.for_page("crm.customer", request, customer),
        "events": timeline_events(customer),
        "contact_form": forms.get("contact_form") or ContactForm(prefix="contact"),
        "address_form": forms.get("address_form") or AddressForm(prefix="address"),
        "followups": customer_followups(customer),
        "followup_form": forms.get("followup_form") or FollowUpForm(prefix="followup", customer=customer),
        "meetings": customer_meetings(customer),
        "contracts": customer_contracts(customer),
        "opportunities": customer_opportunities(customer),
        "soon": timezone.localdate() + datetime.timedelta(days=CONTRACT_SOON_DAYS),
    }


@login_required
@permission_required("crm.view_customer", raise_exception=True)
def customer_detail(request, pk):
    customer = get_object_or_404(customer_detail_queryset(user=request.user), pk=pk)
    return render(request, "crm/customer_detail.html", _detail_context(request, customer))


@login_required
@permission_required("crm.add_customer", raise_exception=True)
def customer_create(request):
    data = request.POST if request.method == "POST" else None
    form = CustomerForm(data, user=request.user)
    contact_form = FirstContactForm(data, prefix="contact")
    address_form = FirstAddressForm(data, prefix="address")
    # A list, not a generator: every form must be validated so every error shows at once.
    if data is not None and all([form.is_valid(), contact_form.is_valid(), address_form.is_valid()]):
        try:
            customer = services.customer_create(
                actor=request.user,
                contacts=[] if contact_form.is_blank() else [contact_form.row()],
                addresses=[] if address_form.is_blank() else [address_form.row()],
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(exc, {"": form, "contacts.0": contact_form, "addresses.0": address_form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("crm:customer_detail", pk=customer.pk)
    return render(
        request,
        "crm/customer_form.html",
        {"form": form, "contact_form": contact_form, "address_form": address_form},
    )


@login_required
@permission_required("crm.change_customer", raise_exception=True)
def customer_edit(request, pk):
    customer = get_object_or_404(Customer.objects.visible_to(request.user).select_related("owner"), pk=pk)
    initial = {**model_to_dict(customer, fields=CUSTOMER_FORM_FIELDS), "version": customer.version}
    form = CustomerEditForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        user=request.user,
        custom_values=customer.custom_fields,
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        version = fields.pop("version")
        if run_service(
            form, lambda: services.customer_update(customer=customer, actor=request.user, version=version, **fields)
        ):
            messages.success(request, _("Changes saved."))
            return redirect("crm:customer_detail", pk=customer.pk)
    stale = getattr(form, "stale", False)
    return render(request, "crm/customer_form.html", {"form": form, "customer": customer, "stale": stale})


def _add_row(request, pk, *, form_class, prefix, service, template):
    """Add a contact or an address from the detail page: the HTMX fragment, or the whole page without JS."""
    # Not the prefetching detail queryset: the lists must be read after the add.
    customer = get_object_or_404(customer_page_queryset(user=request.user), pk=pk)
    form = form_class(request.POST, prefix=prefix)
    added = False
    if form.is_valid():
        try:
            service(customer=customer, actor=request.user, **form.row())
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            added = True
    if added and not request.htmx:
        messages.success(request, _("Saved."))
        return redirect("crm:customer_detail", pk=customer.pk)
    context = _detail_context(request, customer, **({} if added else {f"{prefix}_form": form}))
    if not request.htmx:
        return render(request, "crm/customer_detail.html", context)
    # The fragment replaces its card; the timeline is swapped out of band so it shows the new event.
    return render(request, template, {**context, "added": added, "timeline_oob": True})


@login_required
@permission_required("crm.change_customer", raise_exception=True)
@require_POST
def contact_add(request, pk):
    return _add_row(
        request,
        pk,
        form_class=ContactForm,
        prefix="contact",
        service=services.contact_add,
        template="crm/_contacts.html",
    )


@login_required
@permission_required("crm.change_customer", raise_exception=True)
@require_POST
def address_add(request, pk):
    return _add_row(
        request,
        pk,
        form_class=AddressForm,
        prefix="address",
        service=services.address_add,
        template="crm/_addresses.html",
    )
