"""Order pages: the list, entry and editing with the HTMX line editor, and the order page with its actions."""

import functools
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from gendan.accounts.selectors import saved_views_menu
from gendan.core import custom_fields, panels
from gendan.core.bounds import id_from
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.forms import bootstrap, run_service
from gendan.core.models import PublicLink
from gendan.core.selectors import timeline_events
from gendan.core.services_links import links_of
from gendan.core.tables import list_response
from gendan.crm.models import Customer
from gendan.inventory.models import Warehouse

from . import services
from .action_buttons import ActionUI, action_buttons
from .approval_rules import reason_text
from .forms import LineEditor, LineRow, OrderForm, OrderLineForm, new_row_key, tax_rate_from, warehouse_id_from
from .forms_credit import CreditOverrideForm
from .lists import order_filter
from .models import Order, OrderStatus
from .selectors import (
    approval_steps_of,
    may_decide,
    order_allowed_actions,
    order_board,
    order_detail_queryset,
    order_list,
    order_progress,
    pending_approval_of,
    products_for_order_entry,
)
from .selectors_changes import may_request_change
from .selectors_credit import credit_card
from .selectors_worklists import may_approve
from .services_status_links import SEND_PERMISSION as STATUS_LINK_PERMISSION
from .tables import OrderTable

# Filters behind "More" on the list; the common ones are laid out by hand in order_filters.html.
# The customer links the order page lists, newest first.
RECENT_STATUS_LINKS = 5
MORE_FILTERS = [
    "delivery_status",
    "billing_status",
    "payment_status",
    "priority",
    "promised_from",
    "promised_to",
    "confirmed_from",
    "confirmed_to",
    "team",
    "region",
    "product",
]


# --- the list ----------------------------------------------------------------------------------


@login_required
@permission_required("sales.view_order", raise_exception=True)
@require_GET
def order_list_view(request):
    filterset = order_filter(request.user, request.GET, request=request)
    bootstrap(filterset.form)
    more_fields = [filterset.form[name] for name in MORE_FILTERS]
    return list_response(
        request,
        OrderTable,
        filterset.qs,
        "sales/order_list.html",
        {
            "filter": filterset,
            "status_choices": OrderStatus.choices,
            "selected_statuses": request.GET.getlist("status"),
            "more_fields": more_fields,
            "more_open": any(request.GET.get(name) for name in MORE_FILTERS),
            "saved_views": saved_views_menu(request, "orders"),
        },
    )


# --- the board -----------------------------------------------------------------------------------


def _board_context(request, move_error=None):
    filterset = order_filter(request.user, request.GET, request=request)
    bootstrap(filterset.form)
    return {
        "filter": filterset,
        "columns": order_board(filterset.qs),
        "can_move": request.user.has_perm("sales.change_order") or may_approve(request.user),
        "move_error": move_error,
    }


@login_required
def order_board_view(request):
    if not request.user.has_perm("sales.view_order"):
        raise PermissionDenied
    return render(request, "sales/order_board.html", _board_context(request))


@login_required
@require_POST
def order_board_move(request, pk):
    """A card dropped on another column (services.order_move), answered with the redrawn board (HTMX), where a
    refused card is back in its column under the reason."""
    order = get_object_or_404(order_list(user=request.user), pk=pk)
    error = None
    try:
        services.order_move(
            order=order,
            actor=request.user,
            stage=request.POST.get("move-stage", ""),
            comment=request.POST.get("move-comment", ""),
            reason=request.POST.get("move-reason", ""),
        )
    except ApplicationError as exc:
        error = exc.message
    except ValidationError as exc:
        error = " ".join(exc.messages)
    move_error = {"order": order, "message": error} if error else None
    if request.htmx:
        return render(request, "sales/_order_board.html", _board_context(request, move_error))
    if move_error:
        messages.error(request, f"{order.number}: {error}")
    return redirect("sales:order_board")


# --- entry and editing ---------------------------------------------------------------------------


# The line editor's endpoints serve the order and the quotation forms alike.
ENTRY_PERMISSIONS = ("sales.add_order", "sales.change_order", "sales.add_quotation", "sales.change_quotation")


def _require_entry_rights(user):
    if not any(user.has_perm(perm) for perm in ENTRY_PERMISSIONS):
        raise PermissionDenied


def _editor_page(request, *, order=None):
    """The order form, shared by create and edit: header + line editor, saved by the services."""
    user = request.user
    default_warehouse = Warehouse.objects.order_by("code").values_list("pk", flat=True).first()
    if request.method == "POST":
        form = OrderForm(request.POST, user=user, with_custom_fields=True)
        editor = LineEditor.from_data(
            request.POST,
            warehouse_id=warehouse_id_from(request.POST, default_warehouse),
            tax_rate=tax_rate_from(request.POST, settings.DEFAULT_TAX_RATE),
            skip_blank=True,
        )
        if form.is_valid() and editor.is_valid:
            saved = _save_order(request, form, editor, order)
            if saved is not None:
                return redirect("sales:order_detail", pk=saved.pk)
        if not editor.rows:
            editor.rows = LineEditor.blank(warehouse_id=editor.warehouse_id, tax_rate=editor.tax_rate).rows
    elif order is None:
        form, editor = _new_order_forms(request, default_warehouse)
    else:
        initial = {
            name: getattr(order, f"{name}_id", None) or getattr(order, name) for name in OrderForm.service_fields
        }
        initial.update(customer=order.customer_id, version=order.version)
        form = OrderForm(initial=initial, user=user, custom_values=order.custom_fields, with_custom_fields=True)
        editor = LineEditor.from_lines(order.lines.all(), warehouse_id=order.warehouse_id, tax_rate=order.tax_rate)
    subtotal, tax, total = editor.compute()
    return render(
        request,
        "sales/order_form.html",
        {
            "order": order,
            "form": form,
            "editor": editor,
            "subtotal": subtotal,
            "tax": tax,
            "total": total,
        },
    )


def _new_order_forms(request, default_warehouse):
    initial = {"warehouse": default_warehouse}
    customer_id = id_from(request.GET.get("customer"))
    if customer_id:
        customer = Customer.objects.visible_to(request.user).filter(pk=customer_id).first()
        if customer is not None:
            initial.update(_customer_defaults(customer))
    form = OrderForm(initial=initial, user=request.user, with_custom_fields=True)
    editor = LineEditor.blank(warehouse_id=default_warehouse, tax_rate=settings.DEFAULT_TAX_RATE)
    return form, editor


def _customer_defaults(customer) -> dict:
    """A customer's first contact and address, so a customer with one of each needs no extra clicks."""
    return {
        "customer": customer.pk,
        "contact": customer.contacts.order_by("id").values_list("pk", flat=True).first(),
        "shipping_address": customer.addresses.order_by("id").values_list("pk", flat=True).first(),
    }


def _save_order(request, form, editor, order):
    fields = {name: form.cleaned_data[name] for name in OrderForm.service_fields}
    fields["custom_fields"] = form.cleaned_data["custom_fields"]
    submit = order is None and "submit" in request.POST  # "Save and submit"
    if order is None:
        call = functools.partial(
            services.order_create,
            actor=request.user,
            customer=form.cleaned_data["customer"],
            submit=submit,
            duplicate_reason=form.cleaned_data["duplicate_reason"],
        )
    else:
        call = functools.partial(
            services.order_update,
            order=order,
            actor=request.user,
            version=form.cleaned_data["version"],
            customer=form.cleaned_data["customer"],
        )
    row_forms = {f"lines.{i}": row.form for i, row in enumerate(editor.rows)}
    saved = run_service(form, lambda: call(lines=editor.service_rows(), **fields), row_forms)
    if saved is None:
        if form.refusal is not None and form.refusal.code == ErrorCode.DUPLICATE_ORDER:
            form.duplicate_of = form.refusal.extra["duplicate_of"]
        return None
    if submit:
        messages.success(
            request,
            _("Order %(number)s created and submitted: %(status)s.")
            % {"number": saved.number, "status": saved.get_status_display()},
        )
    elif order is None:
        messages.success(request, _("Order %(number)s created.") % {"number": saved.number})
    else:
        messages.success(request, _("Order %(number)s saved.") % {"number": saved.number})
    return saved


@login_required
def order_create_view(request):
    if not request.user.has_perm("sales.add_order"):
        raise PermissionDenied
    return _editor_page(request)


@login_required
def order_edit_view(request, pk):
    if not request.user.has_perm("sales.change_order"):
        raise PermissionDenied
    order = get_object_or_404(order_list(user=request.user), pk=pk)
    if not order.is_editable:
        messages.error(
            request,
            _("Only a draft can be edited; this order is %(status)s.") % {"status": order.get_status_display()},
        )
        return redirect("sales:order_detail", pk=order.pk)
    return _editor_page(request, order=order)


# The editor's HTMX fragments. They read and compute, never write.


@login_required
@require_GET
def editor_customer(request):
    """The contact and address fields for the chosen customer (swapped in when the customer changes)."""
    _require_entry_rights(request.user)
    initial = {}
    customer_id = id_from(request.GET.get("customer"))
    if customer_id:
        customer = Customer.objects.visible_to(request.user).filter(pk=customer_id).first()
        if customer is not None:
            initial = _customer_defaults(customer)
    form = OrderForm(initial=initial, user=request.user)
    return render(request, "sales/includes/customer_fields.html", {"form": form})


@login_required
@require_GET
def editor_lookup(request):
    """Products matching the typed SKU or name, with what is available in the order's warehouse."""
    _require_entry_rights(request.user)
    key = request.GET.get("key", "")
    query = request.GET.get(f"lines-{key}-search", "")
    products = products_for_order_entry(warehouse_id=warehouse_id_from(request.GET, None), query=query) if query else []
    return render(request, "sales/includes/lookup_results.html", {"products": products, "key": key, "query": query})


@login_required
@require_GET
def editor_row(request):
    """One editor row: a new blank one, or the row `key` with `product` picked (price from its list price)."""
    _require_entry_rights(request.user)
    key = request.GET.get("key") or new_row_key()
    if not key.isalnum():
        raise Http404
    warehouse_id = warehouse_id_from(request.GET, None)
    product = None
    product_id = id_from(request.GET.get("product"))
    if product_id:
        product = products_for_order_entry(warehouse_id=warehouse_id, ids=[product_id]).first()
    prefix = f"lines-{key}"
    initial = {}
    if product is not None:
        typed = OrderLineForm(request.GET, prefix=prefix)
        typed.is_valid()
        initial = {
            "product": product.pk,
            "quantity": typed.cleaned_data.get("quantity") or Decimal("1"),
            "unit_price": product.list_price,
            "discount_percent": typed.cleaned_data.get("discount_percent"),
        }
    row = LineRow(key, OrderLineForm(prefix=prefix, initial=initial), product)
    response = render(request, "sales/includes/editor_row.html", {"row": row})
    # The row's amount and the totals follow once the row is on the page.
    return trigger_client_event(response, "recalc", {"target": "#order-form"}, after="settle")


@login_required
@require_POST
def editor_totals(request):
    """Line amounts, totals and stock for the form as typed, by the services' own arithmetic."""
    _require_entry_rights(request.user)
    editor = LineEditor.from_data(
        request.POST,
        warehouse_id=warehouse_id_from(request.POST, None),
        tax_rate=tax_rate_from(request.POST, settings.DEFAULT_TAX_RATE),
    )
    subtotal, tax, total = editor.compute()
    return render(
        request,
        "sales/includes/editor_totals.html",
        {"editor": editor, "subtotal": subtotal, "tax": tax, "total": total, "oob": True},
    )


# --- the order page ------------------------------------------------------------------------------

ACTION_DONE = {
    "submit": gettext_lazy("Order submitted."),
    "approve": gettext_lazy("Order approved."),
    "reject": gettext_lazy("Order rejected and sent back to draft."),
    "hold": gettext_lazy("Order put on hold."),
    "resume": gettext_lazy("Order resumed."),
    "cancel": gettext_lazy("Order cancelled."),
}


# How each action looks on the order page.
ACTION_UI = {
    "submit": ActionUI(gettext_lazy("Submit"), "btn-primary"),
    "approve": ActionUI(gettext_lazy("Approve"), "btn-success", "comment", prompt=gettext_lazy("Comment (optional)")),
    "reject": ActionUI(
        gettext_lazy("Reject"), "btn-outline-danger", "comment", True, gettext_lazy("Why is the order rejected?")
    ),
    "hold": ActionUI(
        gettext_lazy("Put on hold"),
        "btn-outline-warning",
        "reason",
        True,
        gettext_lazy("Why is the order put on hold?"),
    ),
    "resume": ActionUI(gettext_lazy("Resume"), "btn-primary"),
    "cancel": ActionUI(
        gettext_lazy("Cancel order"), "btn-outline-danger", "reason", True, gettext_lazy("Why is the order cancelled?")
    ),
}


def _run_action(action, order, actor, data):
    if action == "submit":
        return services.order_submit(order=order, actor=actor)
    if action == "approve":
        return services.order_approve(order=order, actor=actor, comment=data.get("comment", ""))
    if action == "reject":
        return services.order_reject(order=order, actor=actor, comment=data.get("comment", ""))
    if action == "hold":
        return services.order_hold(order=order, actor=actor, reason=data.get("reason", ""))
    if action == "resume":
        return services.order_resume(order=order, actor=actor)
    return services.order_cancel(order=order, actor=actor, reason=data.get("reason", ""))


def _status_link_context(order: Order, user) -> dict:
    """The customer-link card: offered once the order is submitted, to those who may send it."""
    if order.status == OrderStatus.DRAFT or not user.has_perm(STATUS_LINK_PERMISSION):
        return {}
    links = links_of(order, PublicLink.Purpose.ORDER_STATUS).select_related("created_by")[:RECENT_STATUS_LINKS]
    return {"may_send_status_link": True, "status_links": list(links), "now": timezone.now()}


def _credit_context(order: Order, user, form) -> dict:
    """The credit card, for a customer with a limit: with the form to ask for an override when one is needed."""
    card = credit_card(order, user)
    if card is None:
        return {}
    return {"credit": card, "credit_form": form or (CreditOverrideForm() if card.may_request else None)}


def render_order_page(request, order, *, status=200, credit_form=None, **forms):
    """The order page, with the panels other apps add to it (shipments, invoices and payments).

    Creating a shipment, invoice or payment re-renders it with the bound form on bad input
    (`shipment_form=`, `invoice_form=`, `payment_form=`), handed to the panel it belongs to.
    """
    user = request.user
    lines = list(order.lines.all())
    order_panels = panels.for_page("sales.order", request, order, **forms)
    approval = None
    if order.status == OrderStatus.PENDING_APPROVAL:
        approval = pending_approval_of(order)
        if approval is not None:
            approval.reason_texts = [reason_text(reason) for reason in approval.reasons]
            approval.own = approval.is_submitted_by(user)
            approval.mine = may_decide(user, order)
            approval.level_rows = approval_steps_of(approval)
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "progress": order_progress(order),
            "actions": action_buttons(
                order_allowed_actions(order=order, user=user),
                ACTION_UI,
                lambda name: reverse("sales:order_action", args=[order.pk, name]),
            ),
            "can_edit": order.is_editable and user.has_perm("sales.change_order"),
            "approval": approval,
            "panels": order_panels,
            "events": timeline_events(order),
            "custom_rows": custom_fields.record_rows("sales.order", order),
            "may_request_change": may_request_change(order=order, user=user),
            "change_requests": list(order.change_requests.select_related("created_by")),
            # Revisions are written from the first change applied on: until then the order is its revision 1.
            "revisions": list(order.revisions.select_related("created_by")) if order.revision > 1 else [],
            **_status_link_context(order, user),
            **_credit_context(order, user, credit_form),
        },
        status=status,
    )


def get_order_for_page(request, pk):
    """The order, with what its page shows, if the user may see it; 404 otherwise (never revealing it exists)."""
    if not request.user.has_perm("sales.view_order"):
        raise PermissionDenied
    return get_object_or_404(order_detail_queryset(user=request.user), pk=pk)


@login_required
@require_GET
def order_detail_view(request, pk):
    return render_order_page(request, get_order_for_page(request, pk))


@login_required
@require_POST
def order_action_view(request, pk, action):
    if action not in ACTION_DONE:
        raise Http404
    order = get_object_or_404(order_list(user=request.user), pk=pk)
    try:
        order = _run_action(action, order, request.user, request.POST)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        message = ACTION_DONE[action]
        if action == "submit" and order.status == OrderStatus.PENDING_APPROVAL:
            message = _("Order submitted; it waits for approval.")
        messages.success(request, message)
    return redirect("sales:order_detail", pk=pk)
