"""The ageing of receivables: who owes what, for how long, and how many days of sales are owed (DSO)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.utils import timezone
from django.views.decorators.http import require_GET

from gendan.core.tables import list_response

from .lists import ageing_group, ageing_rows
from .receivables import BUCKETS, DSO_DAYS, ageing_totals, dso
from .tables_receivables import open_invoices_url


@login_required
@permission_required("finance.view_invoice", raise_exception=True)
@require_GET
def ageing_view(request):
    table_class, rows, exclude = ageing_rows(request.user, request.GET)
    today = timezone.localdate()
    totals = ageing_totals(user=request.user, today=today)
    context = {
        "group_by": ageing_group(request.GET),
        "today": today,
        # Each bucket's total, and the link to its invoices, as the table's cells have them.
        "totals": [(bucket, totals[bucket.key], open_invoices_url(today, bucket=bucket)) for bucket in BUCKETS],
        "total": totals["total"],
        "total_url": open_invoices_url(today),
        "dso": dso(user=request.user, today=today, owed=totals["total"]),
        "dso_days": DSO_DAYS,
    }
    return list_response(request, table_class, rows, "finance/ageing.html", context, exclude=exclude)
