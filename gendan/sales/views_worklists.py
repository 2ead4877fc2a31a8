"""The sellers' and approvers' worklist pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from gendan.core.tables import list_response

from .selectors_worklists import approval_inbox, may_approve, orders_needing_attention, quotations_awaiting_answer
from .tables_worklists import ApprovalInboxTable, OrdersAttentionTable, QuotationsAwaitingTable


@login_required
def approvals_view(request):
    if not may_approve(request.user):
        raise PermissionDenied
    context = {
        "title": _("Approval inbox"),
        "intro": _(
            "Orders, changes, quotations, contracts and credit overrides others submitted that wait for your "
            "decision, the longest-waiting first."
        ),
        "extra_link": {"url": reverse("approvals:delegations"), "label": _("Delegation while away")},
    }
    return list_response(request, ApprovalInboxTable, approval_inbox(user=request.user), "worklist.html", context)


@login_required
def quotations_awaiting_view(request):
    if not request.user.has_perm("sales.send_quotation"):
        raise PermissionDenied
    context = {
        "title": _("Quotations awaiting an answer"),
        "intro": _("Sent quotations the customer has not accepted or rejected yet, the longest-waiting first."),
    }
    rows = quotations_awaiting_answer(user=request.user)
    return list_response(request, QuotationsAwaitingTable, rows, "worklist.html", context)


@login_required
def orders_attention_view(request):
    if not request.user.has_perm("sales.add_order"):
        raise PermissionDenied
    context = {
        "title": _("Orders needing attention"),
        "intro": _("Orders on hold, refused at approval, or past their promised date and not shipped."),
    }
    rows = orders_needing_attention(user=request.user)
    return list_response(request, OrdersAttentionTable, rows, "worklist.html", context)
