"""Selectors for the leaders' "stalled items" review: what is overdue or untouched, by stage and by person.

Three queries whatever the number of items (tasks, orders, invoices), each scoped through
`visible_to`, with the people and records they show joined in.
"""

import dataclasses
import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.models import Department
from gendan.accounts.roles import Role
from gendan.core.models import Event
from gendan.finance.models import Invoice, InvoiceStatus
from gendan.sales.models import OPEN_STATUSES, Order, OrderStatus

from .models import Task

# Who reviews stalled items: these roles, and anyone leading a department.
REVIEWER_ROLES = {Role.SALES_MANAGER, Role.EXECUTIVE, Role.ADMIN}
# An order promised for a date and not shipped by then is late in any of these.
NOT_SHIPPED = {
    OrderStatus.DRAFT,
    OrderStatus.PENDING_APPROVAL,
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.ON_HOLD,
}
DEFAULT_IDLE_DAYS = 7


def may_review_stalled(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.role in REVIEWER_ROLES:
        return True
    return Department.objects.filter(leader=user).exists()


@dataclasses.dataclass
class StalledItem:
    kind: str  # "task", "order" or "invoice"
    stage: str  # what the page groups by: "Orders · Confirmed", "Invoices · Issued", "Tasks"
    person: object  # the User answering for it
    label: str
    url: str
    overdue_since: datetime.datetime | datetime.date | None = None
    idle_since: datetime.datetime | None = None

    @property
    def since(self):
        """The earlier of the two dates, for sorting the longest-waiting first."""
        moments = [_as_datetime(m) for m in (self.overdue_since, self.idle_since) if m is not None]
        return min(moments)


def _as_datetime(moment) -> datetime.datetime:
    if isinstance(moment, datetime.datetime):
        return moment
    return timezone.make_aware(datetime.datetime.combine(moment, datetime.time.min))


def _last_event(content_type, field_type: str, field_id: str):
    return models.Subquery(
        Event.objects.filter(**{field_type: content_type, field_id: models.OuterRef("pk")})
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )


def _tasks(user, now) -> list[StalledItem]:
    tasks = Task.objects.visible_to(user).open().filter(due_at__lt=now).select_related("assignee")
    return [
        StalledItem(
            kind="task",
            stage=_("Tasks"),
            person=task.assignee,
            label=f"{task.title} · {task.object_repr}" if task.object_repr else task.title,
            url=f"/tasks/{task.pk}/",
            overdue_since=task.due_at,
        )
        for task in tasks
    ]


def _orders(user, today, idle_cutoff) -> list[StalledItem]:
    order_type = ContentType.objects.get_for_model(Order)
    # The last event of the order itself and of its shipments, invoices, ... (its root):
    # both index-backed (event_object_idx, event_root_idx), newest first, one row each.
    orders = (
        Order.objects.visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .annotate(
            last_own=_last_event(order_type, "content_type", "object_id"),
            last_child=_last_event(order_type, "root_type", "root_id"),
        )
        .filter(
            models.Q(promised_date__lt=today, status__in=NOT_SHIPPED)
            | (
                models.Q(created_at__lt=idle_cutoff)
                & (models.Q(last_own__isnull=True) | models.Q(last_own__lt=idle_cutoff))
                & (models.Q(last_child__isnull=True) | models.Q(last_child__lt=idle_cutoff))
            )
        )
        .select_related("owner", "customer")
    )
    items = []
    for order in orders:
        last = max(m for m in (order.created_at, order.last_own, order.last_child) if m is not None)
        items.append(
            StalledItem(
                kind="order",
                stage=_("Orders · %(status)s") % {"status": order.get_status_display()},
                person=order.owner,
                label=f"{order.number} · {order.customer.name}",
                url=reverse("sales:order_detail", args=[order.pk]),
                overdue_since=(
                    order.promised_date
                    if order.promised_date and order.promised_date < today and order.status in NOT_SHIPPED
                    else None
                ),
                idle_since=last if last < idle_cutoff else None,
            )
        )
    return items


def _invoices(user, today) -> list[StalledItem]:
    invoices = (
        Invoice.objects.visible_to(user)
        .filter(status=InvoiceStatus.ISSUED, due_date__lt=today)
        .select_related("order__owner", "customer")
    )
    return [
        StalledItem(
            kind="invoice",
            stage=_("Invoices · %(status)s") % {"status": invoice.get_status_display()},
            person=invoice.order.owner,
            label=f"{invoice.number} · {invoice.customer.name}",
            url=reverse("sales:order_detail", args=[invoice.order_id]),
            overdue_since=invoice.due_date,
        )
        for invoice in invoices
    ]


def stalled_items(user, *, idle_days: int = DEFAULT_IDLE_DAYS, now: datetime.datetime | None = None):
    """Everything `user` sees that is overdue, or (orders) without any activity for `idle_days`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    idle_cutoff = now - datetime.timedelta(days=idle_days)
    items = [*_tasks(user, now), *_orders(user, today, idle_cutoff), *_invoices(user, today)]
    items.sort(key=lambda item: item.since)
    return items


def by_stage(items: list[StalledItem]) -> list[tuple[str, list[StalledItem]]]:
    groups: dict[str, list[StalledItem]] = {}
    for item in items:
        groups.setdefault(item.stage, []).append(item)
    return sorted(groups.items(), key=lambda group: (-len(group[1]), group[0]))


def by_person(items: list[StalledItem]) -> list[dict]:
    groups: dict[int, dict] = {}
    for item in items:
        group = groups.setdefault(item.person.pk, {"person": item.person, "items": [], "overdue": 0, "idle": 0})
        group["items"].append(item)
        group["overdue"] += item.overdue_since is not None
        group["idle"] += item.idle_since is not None
    return sorted(groups.values(), key=lambda group: (-len(group["items"]), str(group["person"])))
