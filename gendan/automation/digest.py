"""The daily digest: at 09:00 in each person's time zone, what needs them today.

One notice per person and local day (kind "digest", dedupe key "digest:<user>:<date>"),
sent through the person's usual channels. The periodic task runs often; the dedupe key
makes every run after the first a no-op. A worker that was down at 09:00 catches up until
noon; after that a morning summary of "due today" would mislead more than help.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gendan.accounts.models import Department
from gendan.accounts.scoping import department_subtree_ids
from gendan.sales.models import Order, OrderStatus

from .channels import user_zone
from .models import Notification, NotificationKind, Task, TaskStatus
from .services import notification_create

logger = logging.getLogger(__name__)

DIGEST_TIME = datetime.time(9, 0)
DIGEST_UNTIL = datetime.time(12, 0)
# Items listed per section; the heading carries the full count.
LIST_LIMIT = 10


@dataclass
class Digest:
    user: object
    date: datetime.date
    zone: datetime.tzinfo
    overdue: list = field(default_factory=list)
    today: list = field(default_factory=list)
    approvals: list = field(default_factory=list)
    approval_count: int = 0
    team_overdue: list = field(default_factory=list)  # [(person, count)], most overdue first

    @property
    def dedupe_key(self) -> str:
        return digest_key(self.user, self.date)

    def is_empty(self) -> bool:
        return not (self.overdue or self.today or self.approval_count or self.team_overdue)


def digest_key(user, date: datetime.date) -> str:
    return f"digest:{user.pk}:{date.isoformat()}"


def send_daily_digests(now: datetime.datetime | None = None) -> int:
    """Send today's digest to everyone between 09:00 and noon local time who has not had it; returns how many."""
    now = now or timezone.now()
    digests = _digests_due(now)
    _fill(digests, now)
    sent = 0
    for digest in digests:
        if digest.is_empty():
            continue
        try:
            created = notification_create(
                recipient=digest.user,
                kind=NotificationKind.DIGEST,
                title=digest_title(digest),
                body=digest_body(digest),
                url="/tasks/",
                dedupe_key=digest.dedupe_key,
            )
        except Exception:
            # One person's failure must not cost everyone else their digest; the next run retries.
            logger.exception("Could not send the daily digest to user %s", digest.user.pk)
            continue
        sent += created is not None
    return sent


def _digests_due(now: datetime.datetime) -> list[Digest]:
    digests = []
    for user in get_user_model().objects.filter(is_active=True).order_by("pk"):
        zone = user_zone(user)
        local = now.astimezone(zone)
        if DIGEST_TIME <= local.time() < DIGEST_UNTIL:
            digests.append(Digest(user=user, date=local.date(), zone=zone))
    already = set(
        Notification.objects.filter(dedupe_key__in=[d.dedupe_key for d in digests]).values_list("dedupe_key", flat=True)
    )
    return [d for d in digests if d.dedupe_key not in already]


def _end_of_day(digest: Digest) -> datetime.datetime:
    return datetime.datetime.combine(digest.date + datetime.timedelta(days=1), datetime.time(0), tzinfo=digest.zone)


def _fill(digests: list[Digest], now: datetime.datetime) -> None:
    if not digests:
        return
    by_user = {d.user.pk: d for d in digests}
    latest_end = max(_end_of_day(d) for d in digests)
    tasks = Task.objects.filter(status=TaskStatus.OPEN, assignee_id__in=list(by_user), due_at__lt=latest_end).order_by(
        "due_at", "pk"
    )
    for task in tasks:
        digest = by_user[task.assignee_id]
        if task.due_at < now:
            digest.overdue.append(task)
        elif task.due_at < _end_of_day(digest):
            digest.today.append(task)
    for digest in digests:
        if digest.user.has_perm("sales.approve_order"):
            waiting = (
                Order.objects.visible_to(digest.user)
                .filter(status=OrderStatus.PENDING_APPROVAL)
                .select_related("customer")
                .order_by("submitted_at", "pk")
            )
            digest.approval_count = waiting.count()
            digest.approvals = list(waiting[:LIST_LIMIT]) if digest.approval_count else []
    _fill_teams(by_user, now)


def _fill_teams(by_user: dict, now: datetime.datetime) -> None:
    """Leaders also see their teams' overdue tasks, counted by person."""
    departments = defaultdict(list)
    for department in Department.objects.filter(leader_id__in=list(by_user)):
        departments[department.leader_id].extend(department_subtree_ids(department))
    for leader_id, department_ids in departments.items():
        rows = (
            Task.objects.filter(status=TaskStatus.OPEN, due_at__lt=now, assignee__department_id__in=department_ids)
            .exclude(assignee_id=leader_id)
            .values("assignee_id")
            .annotate(count=Count("pk"))
            .order_by("-count", "assignee_id")
        )
        counts = {row["assignee_id"]: row["count"] for row in rows}
        people = get_user_model().objects.in_bulk(list(counts))
        by_user[leader_id].team_overdue = [(people[pk], count) for pk, count in counts.items()]


def digest_title(digest: Digest) -> str:
    parts = []
    if digest.overdue:
        parts.append(
            ngettext("%(count)d overdue", "%(count)d overdue", len(digest.overdue)) % {"count": len(digest.overdue)}
        )
    if digest.today:
        parts.append(
            ngettext("%(count)d due today", "%(count)d due today", len(digest.today)) % {"count": len(digest.today)}
        )
    if digest.approval_count:
        parts.append(
            ngettext("%(count)d approval waiting", "%(count)d approvals waiting", digest.approval_count)
            % {"count": digest.approval_count}
        )
    if digest.team_overdue:
        total = sum(count for _person, count in digest.team_overdue)
        parts.append(
            ngettext("%(count)d overdue in your team", "%(count)d overdue in your team", total) % {"count": total}
        )
    return _("Daily digest %(date)s: %(summary)s") % {"date": digest.date.isoformat(), "summary": ", ".join(parts)}


def _section(heading: str, count: int, lines: list[str], line_total: int | None = None) -> list[str]:
    """A heading with its count, the first lines, and how many lines were left out."""
    line_total = len(lines) if line_total is None else line_total
    out = [f"{heading} ({count})"]
    out.extend(f"- {line}" for line in lines[:LIST_LIMIT])
    if line_total > LIST_LIMIT:
        out.append("- " + _("and %(count)d more") % {"count": line_total - LIST_LIMIT})
    return out


def _task_line(task: Task, zone) -> str:
    due = timezone.localtime(task.due_at, zone).strftime("%Y-%m-%d %H:%M")
    record = f" · {task.object_repr}" if task.object_repr else ""
    return f"{task.title}{record} ({_('due %(time)s') % {'time': due}})"


def digest_body(digest: Digest) -> str:
    sections = []
    if digest.overdue:
        lines = [_task_line(t, digest.zone) for t in digest.overdue]
        sections.append(_section(_("Overdue"), len(lines), lines))
    if digest.today:
        lines = [_task_line(t, digest.zone) for t in digest.today]
        sections.append(_section(_("Due today"), len(lines), lines))
    if digest.approval_count:
        lines = [f"{o.number} · {o.customer} · {o.currency} {o.total}" for o in digest.approvals]
        sections.append(_section(_("Waiting for your approval"), digest.approval_count, lines, digest.approval_count))
    if digest.team_overdue:
        lines = [f"{person}: {count}" for person, count in digest.team_overdue]
        total = sum(count for _person, count in digest.team_overdue)
        sections.append(_section(_("Your team's overdue tasks, by person"), total, lines))
    return "\n\n".join("\n".join(section) for section in sections)
