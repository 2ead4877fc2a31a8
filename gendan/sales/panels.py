"""What sales shows on the customer page (registered for it in SalesConfig.ready())."""

from .selectors import order_list

RECENT_ORDERS = 20


def customer_quotations_panel(request, customer, **forms) -> dict:
    # The card loads itself after the page (HTMX), so the customer page spends no query on it.
    return {}


def customer_orders_panel(request, customer, **forms) -> dict:
    """The customer's latest orders the user may see, and how many there are."""
    orders = order_list(user=request.user).filter(customer=customer).order_by("-created_at", "-pk")
    return {"orders": orders[:RECENT_ORDERS], "order_count": orders.count()}
