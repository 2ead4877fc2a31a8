"""The link a rep sends a customer to follow their order (客户随时获知进度): no account, only that order's progress.

The page it opens (sales.views_public) shows the order's stages, and what the apps after the order add to it
(shipments with carrier and tracking number, invoices): nothing of the customer's other orders, no prices
of lines, no notes. Each link expires; each sending is on the order's timeline, and its openings (once an hour
at most).
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from gendan.accounts.scoping import require_visible
from gendan.core import events
from gendan.core.models import PublicLink
from gendan.core.services import require_perm
from gendan.core.services_links import public_link_create, public_link_open, public_link_revoke

from .models import Order

SEND_PERMISSION = "sales.add_order"


def status_link_path(token: str) -> str:
    return reverse("order_status_public", args=[token])


@transaction.atomic
def order_status_link_send(*, order: Order, actor) -> tuple[PublicLink, str]:
    """A new link to the order's progress for its customer; returns it and its token (shown once)."""
    require_perm(actor, SEND_PERMISSION)
    require_visible(Order.objects, order, actor)
    link, token = public_link_create(
        record=order, purpose=PublicLink.Purpose.ORDER_STATUS, actor=actor, days=settings.ORDER_STATUS_LINK_DAYS
    )
    events.record(actor, "order.status_link_sent", order, data={"link": link.pk, "expires_at": link.expires_at})
    return link, token


@transaction.atomic
def order_status_link_revoke(*, order: Order, link: PublicLink, actor) -> PublicLink:
    require_perm(actor, SEND_PERMISSION)
    require_visible(Order.objects, order, actor)
    public_link_revoke(link=link)
    events.record(actor, "order.status_link_revoked", order, data={"link": link.pk})
    return link


@transaction.atomic
def order_status_link_open(*, token: str) -> Order | None:
    """The order a customer's link opens, the opening on its timeline; None for a bad, expired or revoked link."""
    link = public_link_open(purpose=PublicLink.Purpose.ORDER_STATUS, token=token)
    if link is None:
        return None
    order = Order.objects.select_related("customer").filter(pk=link.object_id).first()
    if order is not None and link.worth_recording:
        events.record(None, "order.status_link_opened", order, data={"link": link.pk, "opened": link.open_count})
    return order
