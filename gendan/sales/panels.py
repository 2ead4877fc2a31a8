"""What sales shows on crm's pages, the customer's and the contract's (registered in SalesConfig.ready())."""

from django.urls import reverse

from .selectors import order_list
from .selectors_approvals import approval_for_page

RECENT_ORDERS = 20


def customer_quotations_panel(request, customer, **forms) -> dict:
    # The card loads itself after the page (HTMX), so the customer page spends no query on it.
    return {}


def customer_orders_panel(request, customer, **forms) -> dict:
    """The customer's latest orders the user may see, and how many there are."""
    orders = order_list(user=request.user).filter(customer=customer).order_by("-created_at", "-pk")
    return {"orders": orders[:RECENT_ORDERS], "order_count": orders.count()}


def contract_approval_panel(request, contract, **forms) -> dict:
    """The contract's approval: what it waits for and why, each level's approvers, and the forms of whoever may
    decide now; or, on a draft an approver refused, who refused it and why."""
    approval = approval_for_page(contract, request.user)
    return {
        "approval": approval,
        "approve_url": reverse("approvals:contract_decide", args=[contract.pk, "approve"]),
        "reject_url": reverse("approvals:contract_decide", args=[contract.pk, "reject"]),
    }
