"""Quotation pages: the list, entry and editing with the order entry's line editor, the page with its actions,
the PDF, comparing two versions, and the panel on the customer page."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gendan.core import panels
from gendan.core.bounds import id_from
from gendan.core.errors import ApplicationError
from gendan.core.forms import bootstrap, run_service
from gendan.core.tables import list_response
from gendan.crm.models import OPEN_STAGES, Customer, Opportunity
from gendan.inventory.models import Warehouse

from . import services_quotations as services
from .action_buttons import ActionUI, action_buttons
from .filters_quotations import QuotationFilter
from .forms import LineEditor, tax_rate_from, warehouse_id_from
from .forms_quotations import QuotationForm
from .models import Quotation, QuotationLine, QuotationStatus
from .pdf_quotations import pdf_response
from .selectors_approvals import approval_for_page, with_latest_approval
from .selectors_quotations import (
    STATUS_CHOICES_LISTED,
    compare_quotations,
    customer_quotations,
    quotation_allowed_actions,
    quotation_detail_queryset,
    quotation_list,
    quotation_timeline,
    quotation_versions,
)
from .tables import QuotationTable


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


# --- the list ----------------------------------------------------------------------------------


@login_required
@require_GET
def quotation_list_view(request):
    _require(request.user, "sales.view_quotation")
    filterset = QuotationFilter(request.GET, queryset=quotation_list(user=request.user), request=request)
    bootstrap(filterset.form)
    return list_response(
        request,
        QuotationTable,
        filterset.qs,
        "sales/quotation_list.html",
        {
            "filter": filterset,
            "status_choices": STATUS_CHOICES_LISTED,
            "selected_statuses": request.GET.getlist("status"),
        },
    )


# --- entry and editing ---------------------------------------------------------------------------


def _editor_page(request, *, quotation=None):
    """The quotation form, shared by create and edit: header + line editor, saved by the services."""
    user = request.user
    # Quotations reserve nothing; the editor shows the stock of the first warehouse as a hint.
    default_warehouse = Warehouse.objects.order_by("code").values_list("pk", flat=True).first()
    if request.method == "POST":
        form = QuotationForm(request.POST, user=user)
        editor = LineEditor.from_data(
            request.POST,
            warehouse_id=warehouse_id_from(request.POST, default_warehouse),
            tax_rate=tax_rate_from(request.POST, settings.DEFAULT_TAX_RATE),
            skip_blank=True,
        )
        if form.is_valid() and editor.is_valid:
            saved = _save_quotation(request, form, editor, quotation)
            if saved is not None:
                return redirect("quotations:detail", pk=saved.pk)
        if not editor.rows:
            editor.rows = LineEditor.blank(warehouse_id=editor.warehouse_id, tax_rate=editor.tax_rate).rows
    elif quotation is None:
        initial = {}
        customer_id = id_from(request.GET.get("customer"))
        opportunity_id = id_from(request.GET.get("opportunity"))
        if opportunity_id:
            # Quoting for a deal: its customer, and the deal itself.
            opportunity = Opportunity.objects.visible_to(user).filter(pk=opportunity_id).first()
            if opportunity is not None:
                customer_id = opportunity.customer_id
                initial["opportunity"] = opportunity.pk
        if customer_id:
            customer = Customer.objects.visible_to(user).filter(pk=customer_id).first()
            if customer is not None:
                initial = {**_customer_defaults(customer), **initial}
        form = QuotationForm(initial=initial, user=user)
        editor = LineEditor.blank(warehouse_id=default_warehouse, tax_rate=settings.DEFAULT_TAX_RATE)
    else:
        initial = {name: getattr(quotation, name) for name in QuotationForm.service_fields}
        initial.update(
            customer=quotation.customer_id,
            contact=quotation.contact_id,
            opportunity=quotation.opportunity_id,
            version=quotation.version,
        )
        form = QuotationForm(initial=initial, user=user)
        editor = LineEditor.from_lines(
            quotation.lines.all(), warehouse_id=default_warehouse, tax_rate=quotation.tax_rate
        )
    subtotal, tax, total = editor.compute()
    return render(
        request,
        "sales/quotation_form.html",
        {
            "quotation": quotation,
            "form": form,
            "editor": editor,
            "warehouse_id": editor.warehouse_id,
            "subtotal": subtotal,
            "tax": tax,
            "total": total,
        },
    )


def _customer_defaults(customer) -> dict:
    """The customer's first contact, and its only open deal if it has one: no extra clicks in the common case."""
    open_deals = list(customer.opportunities.filter(stage__in=OPEN_STAGES).values_list("pk", flat=True)[:2])
    return {
        "customer": customer.pk,
        "contact": customer.contacts.order_by("id").values_list("pk", flat=True).first(),
        "opportunity": open_deals[0] if len(open_deals) == 1 else None,
    }


def _save_quotation(request, form, editor, quotation):
    fields = {name: form.cleaned_data[name] for name in QuotationForm.service_fields}
    if quotation is None:
        call = functools.partial(services.quotation_create, actor=request.user, customer=form.cleaned_data["customer"])
    else:
        call = functools.partial(
            services.quotation_update,
            quotation=quotation,
            actor=request.user,
            version=form.cleaned_data["version"],
            customer=form.cleaned_data["customer"],
        )
    row_forms = {f"lines.{i}": row.form for i, row in enumerate(editor.rows)}
    saved = run_service(form, lambda: call(lines=editor.service_rows(), **fields), row_forms)
    if saved is None:
        return None
    if quotation is None:
        messages.success(request, _("Quotation %(number)s created.") % {"number": saved.label})
    else:
        messages.success(request, _("Quotation %(number)s saved.") % {"number": saved.label})
    return saved


@login_required
def quotation_create_view(request):
    _require(request.user, "sales.add_quotation")
    return _editor_page(request)


@login_required
def quotation_edit_view(request, pk):
    _require(request.user, "sales.change_quotation")
    quotation = get_object_or_404(Quotation.objects.visible_to(request.user).prefetch_related("lines"), pk=pk)
    if not quotation.is_editable:
        messages.error(
            request,
            _("Only a draft can be edited; this quotation is %(status)s.") % {"status": quotation.get_status_display()},
        )
        return redirect("quotations:detail", pk=quotation.pk)
    return _editor_page(request, quotation=quotation)


@login_required
@require_GET
def editor_customer(request):
    """The contact field for the chosen customer (swapped in when the customer changes)."""
    if not (request.user.has_perm("sales.add_quotation") or request.user.has_perm("sales.change_quotation")):
        raise PermissionDenied
    initial = {}
    customer_id = id_from(request.GET.get("customer"))
    if customer_id:
        customer = Customer.objects.visible_to(request.user).filter(pk=customer_id).first()
        if customer is not None:
            initial = _customer_defaults(customer)
    form = QuotationForm(initial=initial, user=request.user)
    return render(request, "sales/quotation_customer_fields.html", {"form": form})


# --- the quotation page --------------------------------------------------------------------------

# How each action looks on the page.
ACTION_UI = {
    "send": ActionUI(pgettext_lazy("quotation action", "Mark as sent"), "btn-primary"),
    "revise": ActionUI(gettext_lazy("Revise (new version)"), "btn-outline-primary"),
    "accept": ActionUI(gettext_lazy("Accept → order"), "btn-success"),
    "reject": ActionUI(
        pgettext_lazy("quotation action", "Customer rejected"),
        "btn-outline-danger",
        "reason",
        True,
        gettext_lazy("Why did the customer reject it?"),
    ),
}


def _get_for_page(request, pk) -> Quotation:
    """The quotation with what its page shows, if the user may see it; 404 otherwise (never revealing it exists)."""
    _require(request.user, "sales.view_quotation")
    return get_object_or_404(quotation_detail_queryset(user=request.user), pk=pk)


def _lines_of(quotation_id) -> list[QuotationLine]:
    return list(QuotationLine.objects.filter(quotation_id=quotation_id).select_related("product"))


@login_required
@require_GET
def quotation_detail_view(request, pk):
    user = request.user
    _require(user, "sales.view_quotation")
    quotation = get_object_or_404(with_latest_approval(quotation_detail_queryset(user=user)), pk=pk)
    lines = list(quotation.lines.all())
    versions = quotation_versions(quotation=quotation, user=user)
    comparison = None
    previous = next((v for v in versions if v.pk == quotation.previous_id), None)
    if previous is not None:
        previous = Quotation.objects.select_related("contact").get(pk=previous.pk)
        comparison = compare_quotations(previous, quotation, _lines_of(previous.pk), lines)
    today = timezone.localdate()
    return render(
        request,
        "sales/quotation_detail.html",
        {
            "quotation": quotation,
            "lines": lines,
            "versions": versions,
            "latest": versions[-1] if versions else None,
            "comparison": comparison,
            "actions": action_buttons(
                quotation_allowed_actions(quotation=quotation, user=user),
                ACTION_UI,
                lambda name: reverse("quotations:action", args=[quotation.pk, name]),
            ),
            "can_edit": quotation.is_editable and user.has_perm("sales.change_quotation"),
            "past_validity": services.is_past_validity(quotation, today),
            "events": quotation_timeline(versions=versions),
            "approval": approval_for_page(quotation, user),
            "panels": panels.for_page("sales.quotation", request, quotation),
        },
    )


ACTION_DONE = {
    "send": gettext_lazy("Quotation marked as sent."),
    "reject": gettext_lazy("The customer's rejection is recorded."),
}


@login_required
@require_POST
def quotation_action_view(request, pk, action):
    if action not in ACTION_UI:
        raise Http404
    _require(request.user, "sales.view_quotation")
    quotation = get_object_or_404(Quotation.objects.visible_to(request.user), pk=pk)
    try:
        if action == "send":
            quotation = services.quotation_send(quotation=quotation, actor=request.user)
        elif action == "reject":
            services.quotation_reject(quotation=quotation, actor=request.user, reason=request.POST.get("reason", ""))
        elif action == "revise":
            new = services.quotation_revise(quotation=quotation, actor=request.user)
            messages.success(
                request,
                _("Version %(revision)s of %(number)s created: change it, then send it again.")
                % {"revision": new.revision, "number": new.number},
            )
            return redirect("quotations:edit", pk=new.pk)
        else:
            order = services.quotation_accept(quotation=quotation, actor=request.user)
            messages.success(
                request,
                _("Quotation accepted: draft order %(number)s was made from it. Complete and submit it.")
                % {"number": order.number},
            )
            return redirect("sales:order_detail", pk=order.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if action == "send" and quotation.status == QuotationStatus.PENDING_APPROVAL:
            messages.success(request, _("Submitted for approval: once it is approved, you can send it."))
        else:
            messages.success(request, ACTION_DONE[action])
    return redirect("quotations:detail", pk=pk)


@login_required
@require_GET
def quotation_pdf_view(request, pk):
    quotation = _get_for_page(request, pk)
    return pdf_response(quotation, list(quotation.lines.all()))


@login_required
@require_GET
def quotation_compare_view(request, pk, other_pk):
    """Two versions of one quotation side by side: what changed from the older to the newer."""
    first, second = _get_for_page(request, pk), _get_for_page(request, other_pk)
    if first.number != second.number:
        raise Http404
    old, new = sorted([first, second], key=lambda q: q.revision)
    comparison = compare_quotations(old, new, list(old.lines.all()), list(new.lines.all()))
    return render(request, "sales/quotation_compare.html", {"comparison": comparison, "quotation": new})


# --- the panel on the customer page -------------------------------------------------------------


@login_required
@require_GET
def customer_panel_view(request, customer_pk):
    """The customer's quotations, loaded into the customer page by HTMX (crm stays unaware of sales)."""
    user = request.user
    customer = get_object_or_404(Customer.objects.visible_to(user), pk=customer_pk)
    if not user.has_perm("sales.view_quotation"):
        return HttpResponse("")
    quotations, count = customer_quotations(customer=customer, user=user)
    return render(
        request,
        "sales/quotation_customer_panel.html",
        {"customer": customer, "quotations": quotations, "count": count},
    )
