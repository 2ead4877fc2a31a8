"""The order list's actions on the orders ticked in it (sales/includes/order_bulk_bar.html), and one order's confirmation.

A selection travels as `?id=` (one per order, at most core.bounds.MAX_SELECTION) with `back`, the list's
query when it was made, to return to. Orders out of the reader's sight are never acted on nor named.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from gendan.core.bounds import selected_ids
from gendan.core.exports import FORMATS
from gendan.core.forms import run_service
from gendan.core.tables import list_response

from .forms_bulk import OrderAssignForm
from .lists import order_filter
from .pdf_orders import orders_pdf_response
from .selectors import order_documents, order_list
from .services_bulk import orders_assign
from .tables import OrderTable


def _back(data) -> str:
    """The order list as it was when the selection was made; its query re-encoded, so it stays a query."""
    back = QueryDict(data.get("back", "")).urlencode()
    return f"{reverse('sales:order_list')}?{back}" if back else reverse("sales:order_list")


def _selection_problem(data) -> str | None:
    """What is wrong with the selection in `data` (none, too many, not ids), said for a message; None if nothing."""
    try:
        selected_ids([value for value in data.getlist("id") if value])
    except ValidationError as exc:
        return _("Selected orders: %(problem)s") % {"problem": " ".join(exc.messages)}
    return None


def _selected(request):
    """The selected orders the reader sees, as a filter set of the list (so also sorted and downloaded as it is)."""
    problem = _selection_problem(request.GET)
    if problem:
        messages.error(request, problem)
        return None
    return order_filter(request.user, request.GET, request=request)


@login_required
@permission_required("sales.view_order", raise_exception=True)
@require_GET
def order_selection_export(request):
    """The selected orders as the list's own download (?export=csv|xlsx): in the request, or by the worker."""
    if request.GET.get("export") not in FORMATS:
        raise Http404
    filterset = _selected(request)
    if filterset is None:
        return redirect(_back(request.GET))
    return list_response(request, OrderTable, filterset.qs, "sales/order_list.html")


@login_required
@permission_required("sales.view_order", raise_exception=True)
@require_GET
def order_selection_pdf(request):
    """The confirmations of the selected orders as one PDF, in the list's order."""
    filterset = _selected(request)
    if filterset is None:
        return redirect(_back(request.GET))
    sort = OrderTable.sort_key(request.GET.get("sort"))
    orders = list(order_documents(OrderTable.order(filterset.qs, sort)))
    if not orders:
        messages.error(request, _("None of the selected orders is among those you can see."))
        return redirect(_back(request.GET))
    return orders_pdf_response(orders)


@login_required
@require_GET
def order_pdf_view(request, pk):
    """One order's confirmation (销售订单确认书), to print or send."""
    if not request.user.has_perm("sales.view_order"):
        raise PermissionDenied
    order = get_object_or_404(order_documents(order_list(user=request.user)), pk=pk)
    return orders_pdf_response([order])


def _report(request, outcome, orders_by_id, owner) -> None:
    if outcome.done:
        messages.success(
            request,
            ngettext(
                "%(count)s order assigned to %(owner)s.", "%(count)s orders assigned to %(owner)s.", len(outcome.done)
            )
            % {"count": len(outcome.done), "owner": owner},
        )
    # One message per reason, naming the orders it held back (an order out of sight by its id only).
    held: dict[str, list[str]] = {}
    for refusal in outcome.refused:
        order = orders_by_id.get(refusal.id)
        held.setdefault(refusal.detail, []).append(order.number if order else f"#{refusal.id}")
    for detail, numbers in held.items():
        messages.warning(
            request, _("Not assigned: %(numbers)s. %(reason)s") % {"numbers": ", ".join(numbers), "reason": detail}
        )


@login_required
@require_http_methods(["GET", "POST"])
def order_selection_assign(request):
    """GET: the selected orders and whom to hand them to. POST: each handed over (services_bulk.orders_assign)."""
    if not request.user.has_perm("sales.assign_order"):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    problem = _selection_problem(data)
    if problem:
        messages.error(request, problem)
        return redirect(_back(data))
    ids = selected_ids([value for value in data.getlist("id") if value])
    orders = list(order_list(user=request.user).filter(pk__in=ids).order_by("-created_at", "-id"))
    form = OrderAssignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        outcome = run_service(
            form,
            lambda: orders_assign(order_ids=ids, actor=request.user, owner=owner, reason=form.cleaned_data["reason"]),
        )
        if outcome is not None:
            _report(request, outcome, {order.pk: order for order in orders}, owner)
            return redirect(_back(data))
    return render(
        request,
        "sales/order_bulk_assign.html",
        {"form": form, "orders": orders, "ids": ids, "back": data.get("back", "")},
        status=400 if form.is_bound else 200,
    )
