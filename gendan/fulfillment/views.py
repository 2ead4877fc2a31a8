"""Shipments are created and moved along from the order page; these views call the services and go back there."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.core.errors import ApplicationError
from gendan.sales.views import get_order_for_page, render_order_page

from . import services
from .forms import ShipmentForm, created_message, deliver_posted, ship_posted
from .models import Shipment


@login_required
@require_POST
def shipment_create_view(request, order_pk):
    if not request.user.has_perm("fulfillment.add_shipment"):
        raise PermissionDenied
    order = get_order_for_page(request, order_pk)
    form = ShipmentForm(request.POST, order_lines=list(order.lines.all()), pending=services.pending_quantities(order))
    if form.is_valid() and (shipment := form.create(order=order, actor=request.user, ship="ship" in request.POST)):
        messages.success(request, created_message(shipment))
        return redirect("sales:order_detail", pk=order.pk)
    return render_order_page(request, order, shipment_form=form)


def _field_messages(exc: ValidationError) -> list[str]:
    """Each message with the label of its field, since the flash message shows far from the inputs."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    labels = {**{name: field.label for name, field in ShipmentForm.base_fields.items()}, "reason": _("Reason")}
    return [
        f"{labels[key]}: {message}" if key in labels else message
        for key, field_messages in exc.message_dict.items()
        for message in field_messages
    ]


def shipment_step(request, pk, call, done, *, then=None):
    """Take one step of a shipment in sight (`call`), say how it went, and go back to the order page (or `then`)."""
    shipment = get_object_or_404(Shipment.objects.visible_to(request.user), pk=pk)
    try:
        call(shipment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(_field_messages(exc)))
    else:
        messages.success(request, done % {"number": shipment.number})
    return then() if then else redirect("sales:order_detail", pk=shipment.order_id)


@login_required
@require_POST
def shipment_ship_view(request, pk):
    return shipment_step(
        request,
        pk,
        lambda shipment: ship_posted(shipment, request.user, request.POST),
        _("Shipment %(number)s shipped."),
    )


@login_required
@require_POST
def shipment_deliver_view(request, pk):
    return shipment_step(
        request,
        pk,
        lambda shipment: deliver_posted(shipment, request.user, request.POST),
        _("Delivery of %(number)s recorded."),
    )


@login_required
@require_POST
def shipment_cancel_view(request, pk):
    return shipment_step(
        request,
        pk,
        lambda shipment: services.shipment_cancel(
            shipment=shipment, actor=request.user, reason=request.POST.get("reason", "")
        ),
        _("Shipment %(number)s cancelled."),
    )
