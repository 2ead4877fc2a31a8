from django.db.models import Count, Prefetch, Q, QuerySet

from gendan.sales.models import OPEN_STATUSES

from .models import Address, Contact, Customer


def customer_list(*, user) -> QuerySet[Customer]:
    return (
        Customer.objects.visible_to(user)
        .select_related("owner")
        .annotate(open_order_count=Count("orders", filter=Q(orders__status__in=OPEN_STATUSES)))
    )


def customer_detail_queryset(*, user) -> QuerySet[Customer]:
    return (
        Customer.objects.visible_to(user)
        .select_related("owner")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("id")),
            Prefetch("addresses", queryset=Address.objects.order_by("id")),
        )
    )
