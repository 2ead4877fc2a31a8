from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gendan.core import worklists
from gendan.crm.models import Customer
from gendan.sales.models import OPEN_STATUSES, SHIPPABLE_STATUSES
from gendan.sales.selectors import open_order_figures, order_list


@login_required
def home(request):
    orders = order_list(user=request.user)
    counts = open_order_figures(user=request.user)
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
