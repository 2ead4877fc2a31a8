"""Sending the customer a link to their order's progress, and closing it, from the order page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.core.models import PublicLink
from gendan.core.services_links import links_of

from .selectors import order_list
from .services_status_links import SEND_PERMISSION, order_status_link_revoke, order_status_link_send, status_link_path


def _order(request, pk):
    if not request.user.has_perm(SEND_PERMISSION):
        raise PermissionDenied
    return get_object_or_404(order_list(user=request.user), pk=pk)


@login_required
@require_POST
def status_link_send_view(request, pk):
    order = _order(request, pk)
    link, token = order_status_link_send(order=order, actor=request.user)
    # Shown once: only the token's hash is kept.
    context = {"order": order, "link": link, "url": request.build_absolute_uri(status_link_path(token))}
    return render(request, "sales/status_link_sent.html", context)


@login_required
@require_POST
def status_link_revoke_view(request, pk, link_pk):
    order = _order(request, pk)
    link = get_object_or_404(links_of(order, PublicLink.Purpose.ORDER_STATUS), pk=link_pk)
    order_status_link_revoke(order=order, link=link, actor=request.user)
    messages.success(request, _("The link is closed: it no longer opens the order."))
    return redirect("sales:order_detail", pk=order.pk)
