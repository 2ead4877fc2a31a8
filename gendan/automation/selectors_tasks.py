"""Reads for tasks and notifications: always scoped to the user, record links resolved in bulk."""

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from gendan.core.models import Event

from .models import Notification, Task, TaskStatus

# --- time ------------------------------------------------------------------------------------------


def user_zone(user) -> zoneinfo.ZoneInfo:
    """The user's time zone (User.time_zone), the company's when blank or unknown."""
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def tomorrow_morning(zone, now: datetime.datetime | None = None, hour: int = 9) -> datetime.datetime:
    """09:00 tomorrow in `zone`, the "snooze until tomorrow" time."""
    local = timezone.localtime(now or timezone.now(), zone)
    return datetime.datetime.combine(local.date() + datetime.timedelta(days=1), datetime.time(hour), tzinfo=zone)


def day_start(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


# --- record links ----------------------------------------------------------------------------------

# Records with a page of their own: "app_label.model" -> URL name taking the record's pk.
_OWN_PAGES = {
    "crm.customer": "crm:customer_detail",
    "sales.order": "sales:order_detail",
    "crm.meeting": "crm:meeting_detail",
    "crm.contract": "crm:contract_detail",
    "crm.lead": "crm:lead_detail",
    "crm.opportunity": "crm:opportunity_detail",
}
# Records shown on their order's page: "app_label.model" -> the field holding the order's id.
_ON_ORDER_PAGE = {"fulfillment.shipment": "order_id", "finance.invoice": "order_id"}


def attach_record_urls(rows) -> list:
    """Set `record_url` (or None) on each task or notification, with one query per indirect record type.

    Customers and orders link straight to their page from the stored id; shipments and
    invoices link to their order's page, found for all rows of a type at once.
    """
    rows = list(rows)
    pending: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        row.record_url = None
        if row.content_type_id is None:
            continue
        ct = ContentType.objects.get_for_id(row.content_type_id)
        key = f"{ct.app_label}.{ct.model}"
        if key in _OWN_PAGES:
            row.record_url = reverse(_OWN_PAGES[key], args=[row.object_id])
        elif key in _ON_ORDER_PAGE:
            pending[key][row.object_id].append(row)
    for key, by_id in pending.items():
        model = apps.get_model(key)
        for pk, order_id in model.objects.filter(pk__in=list(by_id)).values_list("pk", _ON_ORDER_PAGE[key]):
            for row in by_id[pk]:
                row.record_url = reverse("sales:order_detail", args=[order_id])
    return rows


# --- tasks -----------------------------------------------------------------------------------------


def task_queryset(*, user) -> QuerySet[Task]:
    """Every task `user` may see (their own, and their teams' when they lead), with what pages show."""
    return Task.objects.visible_to(user).select_related("assignee", "rule")


def can_view_team(user) -> bool:
    """Leaders of a department, and roles given view_team_tasks, have a team view."""
    if user.has_perm("automation.view_team_tasks"):
        return True
    return user.led_departments.exists()


@dataclass
class TaskGroups:
    overdue: list = field(default_factory=list)
    today: list = field(default_factory=list)
    upcoming: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.upcoming)


def group_by_due(tasks, *, zone, now: datetime.datetime | None = None) -> TaskGroups:
    """Overdue (due before now), today (due later today, in `zone`) and upcoming (later, or no due time)."""
    now = now or timezone.now()
    end_of_today = day_start(timezone.localtime(now, zone).date() + datetime.timedelta(days=1), zone)
    groups = TaskGroups()
    for task in tasks:
        if task.due_at is not None and task.due_at < now:
            groups.overdue.append(task)
        elif task.due_at is not None and task.due_at < end_of_today:
            groups.today.append(task)
        else:
            groups.upcoming.append(task)
    return groups


def my_open_tasks(*, user) -> list[Task]:
    """The user's own open tasks, soonest due first, those without a due time last, record links set."""
    tasks = (
        Task.objects.filter(assignee=user, status=TaskStatus.OPEN)
        .select_related("rule")
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )
    return attach_record_urls(tasks)


def calendar_tasks(*, user, start: datetime.datetime, end: datetime.datetime) -> list[Task]:
    """The user's open and done tasks due in [start, end), for the month and week grids."""
    tasks = Task.objects.filter(
        assignee=user, due_at__gte=start, due_at__lt=end, status__in=[TaskStatus.OPEN, TaskStatus.DONE]
    ).order_by("due_at", "id")
    return list(tasks)


@dataclass
class PersonTasks:
    person: object
    tasks: list = field(default_factory=list)  # the most urgent TEAM_TASKS_SHOWN
    open: int = 0
    overdue: int = 0

    @property
    def more(self) -> int:
        return self.open - len(self.tasks)


# A person's most urgent open tasks on the team page; the rest are counted, not listed, so the page
# stays the same size whatever the backlog (a leader's overdue ones are a click away in the review).
TEAM_TASKS_SHOWN = 5


def team_task_counts(*, user, now: datetime.datetime | None = None) -> list[PersonTasks]:
    """Per person the user oversees, their open and overdue tasks counted (most overdue first); no tasks yet."""
    now = now or timezone.now()
    counts = (
        task_queryset(user=user)
        .filter(status=TaskStatus.OPEN)
        .order_by()
        .values("assignee")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now)))
    )
    people = {row["assignee"]: PersonTasks(person=None, open=row["n"], overdue=row["late"]) for row in counts}
    for person in get_user_model().objects.select_related("department").filter(pk__in=people):
        people[person.pk].person = person
    return sorted(people.values(), key=lambda p: (-p.overdue, -p.open, str(p.person)))


def team_tasks_of(people: list[PersonTasks], *, user) -> None:
    """Fills in each person's most urgent TEAM_TASKS_SHOWN open tasks, for all of them in one query."""
    urgency = [F("due_at").asc(nulls_last=True), F("id").asc()]
    first = (
        task_queryset(user=user)
        .filter(status=TaskStatus.OPEN, assignee__in=[entry.person for entry in people])
        .annotate(rank=Window(RowNumber(), partition_by=F("assignee"), order_by=urgency))
        .filter(rank__lte=TEAM_TASKS_SHOWN)
        .order_by(*urgency)
    )
    by_person = {entry.person.pk: entry for entry in people}
    for task in attach_record_urls(first):
        entry = by_person[task.assignee_id]
        task.assignee = entry.person
        entry.tasks.append(task)


def record_open_tasks(record) -> list[Task]:
    """The open tasks about `record`, for the include on its page (one query)."""
    ct = ContentType.objects.get_for_model(record)
    return list(
        Task.objects.filter(content_type=ct, object_id=record.pk, status=TaskStatus.OPEN)
        .select_related("assignee")
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


def task_timeline(task: Task) -> QuerySet[Event]:
    return Event.objects.filter(content_type=ContentType.objects.get_for_model(Task), object_id=task.pk).select_related(
        "actor"
    )


# --- notifications ---------------------------------------------------------------------------------


def notification_list(*, user) -> QuerySet[Notification]:
    """The user's own notices, newest first: nobody reads another's."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def bell_notices(*, user) -> QuerySet[Notification]:
    """The user's notices of the kinds they keep in the bell, newest first."""
    return notification_list(user=user).filter(in_bell=True)


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
