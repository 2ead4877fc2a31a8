"""Pages for people without an account: the customer following their order through the link a rep sent."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gendan.core import panels
from gendan.core.views_links import link_page

from .models import OrderStatus
from .selectors import order_progress
from .services_status_links import order_status_link_open

_BEFORE_CONFIRMATION = {OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL}


@link_page
@require_GET
def order_status_public(request, token):
    """The order's stages, and what the apps after it add (shipments, invoices); a bad link is a plain 404."""
    order = order_status_link_open(token=token)
    if order is None:
        raise Http404
    context = {
        "order": order,
        # The customer follows the order from its confirmation: how the seller entered and approved it is theirs.
        "progress": [step for step in order_progress(order) if step[0] not in _BEFORE_CONFIRMATION],
        "panels": panels.for_page("sales.order.public", request, order),
    }
    return render(request, "sales/order_status_public.html", context)
