"""The warehouse's worklist pages, and the steps taken from their rows through the shipment services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gendan.sales.models import Order
from gendan.sales.worklist_pages import back_to_list, worklist_page

from . import services
from .filters import OrderToShipFilter, ShipmentWorklistFilter
from .forms import COMMON_CARRIERS, ShipmentForm, created_message, deliver_posted, ship_posted
from .selectors_worklists import orders_to_ship, shipments_in_transit, shipments_pending
from .tables import InTransitTable, OrderToShipTable, PendingShipmentTable
from .views import shipment_step
from .worklists import works_shipping


def _require_worklist(user):
    if not works_shipping(user):
        raise PermissionDenied


def _worklist_page(request, *, selector, **kwargs):
    _require_worklist(request.user)
    rows = selector(user=request.user)
    return worklist_page(
        request, rows=rows, template="fulfillment/worklists/page.html", common_carriers=COMMON_CARRIERS, **kwargs
    )


@login_required
@require_GET
def to_ship_view(request):
    return _worklist_page(
        request,
        title=gettext_lazy("To ship"),
        intro=gettext_lazy("Confirmed orders with goods left to ship, the earliest promised first."),
        filter_class=OrderToShipFilter,
        selector=orders_to_ship,
        table_class=OrderToShipTable,
    )


@login_required
@require_GET
def pending_shipments_view(request):
    return _worklist_page(
        request,
        title=gettext_lazy("Shipments to send"),
        intro=gettext_lazy("Shipments packed and not yet gone."),
        filter_class=ShipmentWorklistFilter,
        selector=shipments_pending,
        table_class=PendingShipmentTable,
    )


@login_required
@require_GET
def in_transit_view(request):
    return _worklist_page(
        request,
        title=gettext_lazy("In transit"),
        intro=gettext_lazy("Shipped and not yet signed for, the longest on the road first."),
        filter_class=ShipmentWorklistFilter,
        selector=shipments_in_transit,
        table_class=InTransitTable,
    )


@login_required
@require_http_methods(["GET", "POST"])
def to_ship_ship_view(request, order_pk):
    """The order's shipment form, in the worklist's dialog (a page of its own without JavaScript)."""
    _require_worklist(request.user)
    if not request.user.has_perm("fulfillment.add_shipment"):
        raise PermissionDenied
    # Any order in sight, not only those still on the list: a second click meets the service's refusal, not a 404.
    order = get_object_or_404(Order.objects.visible_to(request.user).select_related("customer"), pk=order_pk)
    lines = list(order.lines.select_related("product"))
    pending = services.pending_quantities(order)
    if request.method == "POST":
        form = ShipmentForm(request.POST, order_lines=lines, pending=pending)
        if form.is_valid() and (shipment := form.create(order=order, actor=request.user, ship="ship" in request.POST)):
            messages.success(request, created_message(shipment))
            return back_to_list(request, "fulfillment:to_ship")
    else:
        form = ShipmentForm(order_lines=lines, pending=pending)
    context = {"order": order, "form": form, "can_ship": request.user.has_perm("fulfillment.ship_shipment")}
    template = "fulfillment/worklists/_ship_form.html" if request.htmx else "fulfillment/worklists/ship.html"
    return render(request, template, context)


def _shipment_step(request, pk, call, done, back):
    _require_worklist(request.user)
    return shipment_step(request, pk, call, done, then=lambda: back_to_list(request, back))


@login_required
@require_POST
def pending_ship_view(request, pk):
    return _shipment_step(
        request,
        pk,
        lambda shipment: ship_posted(shipment, request.user, request.POST),
        _("Shipment %(number)s shipped."),
        "fulfillment:pending_shipments",
    )


@login_required
@require_POST
def in_transit_deliver_view(request, pk):
    return _shipment_step(
        request,
        pk,
        lambda shipment: deliver_posted(shipment, request.user, request.POST),
        _("Delivery of %(number)s recorded."),
        "fulfillment:in_transit",
    )
