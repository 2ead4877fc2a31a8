"""Selectors for the leaders' "stalled items" review: what is overdue or untouched, by stage and by person.

The review never loads everything at once: each stage and each person is counted in the
database (GROUP BY), and only the few longest-waiting items of each stage are read. The counts
read every open order and overdue invoice in sight (tens of thousands in a large company): they are
kept for a few minutes and the page says when they were taken. A stage's or a person's whole list
is paginated.
Tasks, orders and invoices are each scoped through `visible_to`.
"""

import dataclasses
import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.models import Department
from gendan.accounts.roles import Role
from gendan.core.models import LastActivity
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


# How many of each stage's longest-waiting items the review shows; the rest are a click away.
PREVIEW = 5
TASKS, INVOICES, ORDERS = "tasks", "invoices", "orders"


@dataclasses.dataclass
class Window:
    """The moment the review is taken at, and what "untouched" means then."""

    now: datetime.datetime
    idle_days: int

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)

    @property
    def idle_cutoff(self) -> datetime.datetime:
        return self.now - datetime.timedelta(days=self.idle_days)


def _task_rows(user, window: Window):
    return (
        Task.objects.visible_to(user)
        .open()
        .filter(due_at__lt=window.now)
        .select_related("assignee")
        .order_by("due_at", "id")
    )


def _order_conditions(window: Window) -> tuple[models.Q, models.Q]:
    overdue = models.Q(promised_date__lt=window.today, status__in=NOT_SHIPPED)
    cutoff = window.idle_cutoff
    # Untouched: no event of the order or of its shipments, invoices, tasks, ... since the cutoff.
    # The orders touched since then are read from the recent end of last_activity_recent_idx (a
    # week's few thousand, from the index alone), not by looking up each open order's last event.
    touched = LastActivity.objects.filter(
        content_type=ContentType.objects.get_for_model(Order), occurred_at__gte=cutoff
    ).values("object_id")
    idle = models.Q(created_at__lt=cutoff) & ~models.Q(pk__in=touched)
    return overdue, idle


def _stalled_orders(user, window: Window):
    """The stalled orders in their review order (the earliest promise first), without what the items show."""
    overdue, idle = _order_conditions(window)
    return (
        Order.objects.visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .filter(overdue | idle)
        .order_by(models.F("promised_date").asc(nulls_last=True), "created_at", "id")
    )


def _shown(orders):
    """`orders` with what their items show, for the rows shown only: since when each is untouched
    (its last activity, one unique-index lookup per row)."""
    last = LastActivity.objects.filter(
        content_type=ContentType.objects.get_for_model(Order), object_id=models.OuterRef("pk")
    ).values("occurred_at")[:1]
    return orders.annotate(last_activity=models.Subquery(last)).select_related("owner", "customer")


def _order_rows(user, window: Window):
    return _shown(_stalled_orders(user, window))


def _invoice_rows(user, window: Window):
    return (
        Invoice.objects.visible_to(user)
        .filter(status=InvoiceStatus.ISSUED, due_date__lt=window.today)
        .select_related("owner", "customer")
        .order_by("due_date", "id")
    )


def _task_item(task) -> StalledItem:
    return StalledItem(
        kind="task",
        stage=_("Tasks"),
        person=task.assignee,
        label=f"{task.title} · {task.object_repr}" if task.object_repr else task.title,
        url=f"/tasks/{task.pk}/",
        overdue_since=task.due_at,
    )


def _order_item(order, window: Window) -> StalledItem:
    last = max(m for m in (order.created_at, order.last_activity) if m is not None)
    late = order.promised_date and order.promised_date < window.today and order.status in NOT_SHIPPED
    return StalledItem(
        kind="order",
        stage=_("Orders · %(status)s") % {"status": order.get_status_display()},
        person=order.owner,
        label=f"{order.number} · {order.customer.name}",
        url=reverse("sales:order_detail", args=[order.pk]),
        overdue_since=order.promised_date if late else None,
        idle_since=last if last < window.idle_cutoff else None,
    )


def _invoice_item(invoice) -> StalledItem:
    return StalledItem(
        kind="invoice",
        stage=_("Invoices · %(status)s") % {"status": invoice.get_status_display()},
        person=invoice.owner,
        label=f"{invoice.number} · {invoice.customer.name}",
        url=reverse("sales:order_detail", args=[invoice.order_id]),
        overdue_since=invoice.due_date,
    )


@dataclasses.dataclass
class Stage:
    key: str  # "tasks", "invoices" or "orders:<status>": the ?stage= of its whole list
    label: str
    count: int
    overdue: int
    idle: int
    items: list  # the longest-waiting few


@dataclasses.dataclass
class PersonCount:
    person: object = None  # the User, filled in once every kind is counted
    count: int = 0
    overdue: int = 0
    idle: int = 0


@dataclasses.dataclass
class Review:
    stages: list[Stage]
    people: list[PersonCount]
    counted_at: datetime.datetime  # when the counts were taken (the items shown are read on each load)

    @property
    def count(self) -> int:
        return sum(stage.count for stage in self.stages)

    @property
    def overdue(self) -> int:
        return sum(stage.overdue for stage in self.stages)

    @property
    def idle(self) -> int:
        return sum(stage.idle for stage in self.stages)


@dataclasses.dataclass
class Counts:
    """What the review counts, as plain numbers (it is kept in the cache): per person, and per order status."""

    counted_at: datetime.datetime
    tasks: dict[int, int]  # assignee -> overdue tasks
    orders: list[dict]  # {"owner", "status", "n", "late", "idle"}: stalled orders per person and status
    invoices: dict[int, int]  # the order's owner -> overdue invoices


def _of_person(rows, field: str, person_id: int | None):
    return rows if person_id is None else rows.filter(**{field: person_id})


def _count(tasks, orders, invoices, window: Window) -> Counts:
    """The review's counts, each kind grouped in the database: three statements, whatever the number of items."""
    overdue, idle = _order_conditions(window)
    # One pass over the stalled orders, counted per person and status together.
    per_owner_and_status = (
        orders.order_by()
        .values("owner", "status")
        .annotate(n=models.Count("pk"), late=models.Count("pk", filter=overdue), idle=models.Count("pk", filter=idle))
    )
    return Counts(
        counted_at=window.now,
        tasks=dict(tasks.order_by().values_list("assignee").annotate(n=models.Count("pk"))),
        orders=list(per_owner_and_status),
        invoices=dict(invoices.order_by().values_list("owner").annotate(n=models.Count("pk"))),
    )


def _cache_key(user, window: Window, person_id: int | None) -> str:
    # What the reviewer may see is part of the key: a changed role or department is counted afresh.
    parts = ("stalled", user.pk, user.role, user.department_id, user.is_superuser, window.idle_days, person_id)
    return ":".join(str(part) for part in parts)


def stalled_review(
    user,
    *,
    idle_days: int = DEFAULT_IDLE_DAYS,
    now: datetime.datetime | None = None,
    person_id: int | None = None,
    preview: int = PREVIEW,
    recount: bool = False,
) -> Review:
    """What `user` sees that is overdue, or (orders) without activity for `idle_days`: counted, not loaded.

    With `person_id`, only what that person answers for. The counts are kept for a few minutes
    unless `recount` or a given `now` (a review of another moment) asks for them afresh; the
    longest-waiting few of each stage are read on every load. A bounded number of queries: the
    counts' three, one per kind for the first items (one per order status present), and one for
    the people's names.
    """
    window = Window(now or timezone.now(), idle_days)
    tasks = _of_person(_task_rows(user, window), "assignee", person_id)
    orders = _of_person(_stalled_orders(user, window), "owner", person_id)
    invoices = _of_person(_invoice_rows(user, window), "owner", person_id)
    # Counting every open order and overdue invoice of a large company costs hundreds of
    # milliseconds, and a review is looked at again and again in a morning: the counts are kept
    # for STALLED_COUNTS_SECONDS, and the page says when they were taken and offers to count again.
    key = _cache_key(user, window, person_id)
    counts = None if recount or now else cache.get(key)
    if counts is None:
        counts = _count(tasks, orders, invoices, window)
        if not now:
            cache.set(key, counts, settings.STALLED_COUNTS_SECONDS)

    stages: list[Stage] = []
    per_person: dict[int, PersonCount] = defaultdict(PersonCount)

    def add_person(pk, n, overdue, idle=0):
        counted = per_person[pk]
        counted.count += n
        counted.overdue += overdue
        counted.idle += idle

    for assignee, n in counts.tasks.items():
        add_person(assignee, n, n)
    if task_count := sum(counts.tasks.values()):
        items = [_task_item(task) for task in tasks[:preview]]
        stages.append(Stage(TASKS, _("Tasks"), task_count, task_count, 0, items))

    per_status: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "late": 0, "idle": 0})
    for row in counts.orders:
        add_person(row["owner"], row["n"], row["late"], row["idle"])
        for key in ("n", "late", "idle"):
            per_status[row["status"]][key] += row[key]
    # Each status's first few by key alone (a narrow sort), then those few read with what they show.
    first = {status: list(orders.filter(status=status).values_list("pk", flat=True)[:preview]) for status in per_status}
    shown = _shown(Order.objects.all()).in_bulk([pk for pks in first.values() for pk in pks])
    labels = dict(OrderStatus.choices)
    for status, row in sorted(per_status.items()):
        items = [_order_item(shown[pk], window) for pk in first[status] if pk in shown]
        label = _("Orders · %(status)s") % {"status": labels[status]}
        stages.append(Stage(f"{ORDERS}:{status}", label, row["n"], row["late"], row["idle"], items))

    for owner, n in counts.invoices.items():
        add_person(owner, n, n)
    if invoice_count := sum(counts.invoices.values()):
        items = [_invoice_item(invoice) for invoice in invoices[:preview]]
        label = _("Invoices · %(status)s") % {"status": InvoiceStatus.ISSUED.label}
        stages.append(Stage(INVOICES, label, invoice_count, invoice_count, 0, items))

    names = get_user_model().objects.in_bulk(list(per_person))
    people = []
    for pk, counted in per_person.items():
        if pk in names:
            counted.person = names[pk]
            people.append(counted)
    stages.sort(key=lambda stage: (-stage.count, stage.label))
    people.sort(key=lambda counted: (-counted.count, str(counted.person)))
    return Review(stages, people, counts.counted_at)


def stalled_list(user, *, stage: str, person_id: int | None = None, idle_days=DEFAULT_IDLE_DAYS, now=None):
    """One stage's items (optionally one person's), longest-waiting first, as (queryset, row → StalledItem).

    None for a stage that does not exist. The caller paginates the queryset.
    """
    window = Window(now or timezone.now(), idle_days)
    if stage == TASKS:
        rows, person_field, item = _task_rows(user, window), "assignee", _task_item
    elif stage == INVOICES:
        rows, person_field, item = _invoice_rows(user, window), "owner", _invoice_item
    elif stage.startswith(f"{ORDERS}:") and stage.removeprefix(f"{ORDERS}:") in OPEN_STATUSES:
        rows = _order_rows(user, window).filter(status=stage.removeprefix(f"{ORDERS}:"))
        person_field, item = "owner", lambda order: _order_item(order, window)
    else:
        return None
    if person_id is not None:
        rows = rows.filter(**{person_field: person_id})
    return rows, item
