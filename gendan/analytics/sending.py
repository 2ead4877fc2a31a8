"""Reports sent on their schedule: to the owner and each subscriber, computed in that person's scope.

A report is due for a person from its time of day (`send_at`) on its day — every day, Mondays, the 1st — in the
person's time zone until the end of that day, so a worker that was down catches up the same day and not later (a
daily report two days late is noise). One notice per report, person and local day (kind "report", dedupe key
"report:<report>:<person>:<date>"): the periodic job runs often, and every run after the first sends nothing again.
"""

import datetime
import logging

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gendan.automation.channels import user_zone
from gendan.automation.models import Notification, NotificationKind
from gendan.automation.services import notification_create

from .models import ReportSchedule, SavedReport
from .reports import report_text, run_report

logger = logging.getLogger(__name__)


def is_due(report: SavedReport, local: datetime.datetime) -> bool:
    """Whether `report` is due at the local moment `local` (a person's clock): its day, at or after its time."""
    if report.schedule == ReportSchedule.WEEKLY and local.weekday() != 0:
        return False
    if report.schedule == ReportSchedule.MONTHLY and local.day != 1:
        return False
    return report.schedule != ReportSchedule.NONE and local.time() >= report.send_at


def report_key(report: SavedReport, person, day: datetime.date) -> str:
    return f"report:{report.pk}:{person.pk}:{day.isoformat()}"


def recipients(report: SavedReport) -> list:
    """The owner and the subscribers who may still read the report (a subscriber who left its team no longer may),
    active ones only."""
    people = [report.owner, *report.subscribers.all()]
    return [
        person
        for person in people
        if person.is_active
        and (person.pk == report.owner_id or SavedReport.objects.seen_by(person).filter(pk=report.pk).exists())
    ]


def send_due_reports(now: datetime.datetime | None = None) -> int:
    """Send every report due now to each of its recipients who has not had it today; returns how many were sent."""
    now = now or timezone.now()
    due = []
    scheduled = SavedReport.objects.exclude(schedule=ReportSchedule.NONE).select_related("owner").order_by("pk")
    for report in scheduled.prefetch_related("subscribers"):
        for person in recipients(report):
            local = now.astimezone(user_zone(person))
            if is_due(report, local):
                due.append((report, person, report_key(report, person, local.date()), local.date()))
    sent_already = set(
        Notification.objects.filter(dedupe_key__in=[key for *_rest, key, _day in due]).values_list(
            "dedupe_key", flat=True
        )
    )
    sent, reports_sent = 0, set()
    for report, person, key, day in due:
        if key in sent_already:
            continue
        try:
            created = report_send(report=report, person=person, day=day, dedupe_key=key)
        except Exception:
            # One report's failure must not cost everyone else theirs; the next run retries it.
            logger.exception("Could not send report %s to user %s", report.pk, person.pk)
            continue
        if created:
            sent += 1
            reports_sent.add(report.pk)
    SavedReport.objects.filter(pk__in=reports_sent).update(last_sent_at=now)
    return sent


def report_send(*, report: SavedReport, person, day: datetime.date, dedupe_key: str) -> bool:
    """One report to one person as they would read it on `day`: its rows as text and a link to the page and its
    XLSX. False when the dedupe key was used already."""
    result = run_report(report, person, today=day)
    url = reverse("analytics:report_run", kwargs={"pk": report.pk})
    period = _("%(start)s to %(end)s") % {
        "start": date_format(result.period.start, "SHORT_DATE_FORMAT"),
        "end": date_format(result.period.end, "SHORT_DATE_FORMAT"),
    }
    body = "\n\n".join(
        [
            period,
            report_text(result),
            _("Open it: %(url)s · XLSX: %(xlsx)s") % {"url": url, "xlsx": f"{url}?format=xlsx"},
        ]
    )
    created = notification_create(
        recipient=person,
        kind=NotificationKind.REPORT,
        title=_("Report “%(name)s”, %(period)s") % {"name": report.name, "period": period},
        body=body,
        url=url,
        related=report,
        dedupe_key=dedupe_key,
    )
    return created is not None
