from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gendan.core import worklists
from gendan.crm.models import Customer
from gendan.sales.models import OPEN_STATUSES, SHIPPABLE_STATUSES, OrderStatus
from gendan.sales.selectors import order_list


@login_required
def home(request):
    orders = order_list(user=request.user)
    # Every figure is of open orders: read them through the status index, not every order ever taken.
    # Counted by status (never null), not by id: PostgreSQL then answers from order_status_idx alone, which
    # holds every column read.
    counts = orders.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("status"),
        pending_approval=Count("status", filter=Q(status=OrderStatus.PENDING_APPROVAL)),
        to_ship=Count("status", filter=Q(status__in=SHIPPABLE_STATUSES)),
        unpaid_total=Sum("total", filter=~Q(payment_status="paid")),
    )
    counts["customers"] = Customer.objects.visible_to(request.user).count()
    # Only the people who sell own orders; the warehouse and finance start from their worklists.
    sells = request.user.has_perm("sales.add_order")
    my_open_orders = (
        orders.filter(owner=request.user, status__in=OPEN_STATUSES).order_by("promised_date", "-id")[:10]
        if sells
        else None
    )
    context = {
        "counts": counts,
        "my_open_orders": my_open_orders,
        "worklists": worklists.with_counts(request.user),
        "open_statuses": sorted(OPEN_STATUSES),
        "shippable_statuses": sorted(SHIPPABLE_STATUSES),
    }
    return render(request, "home/home.html", context)


@login_required
@require_GET
def worklist_nav(request):
    """The navigation's worklist links with their counts (loaded by every page after it shows)."""
    return render(request, "home/worklist_nav.html", {"worklists": worklists.with_counts(request.user)})
