"""My tasks, the calendar, the team view, and the notification bell.

Thin: each view parses the request, calls one selector or service, and renders the page or,
for an HTMX request, the fragment it replaces. Times are read and shown in the user's zone.
"""

import datetime
from collections import defaultdict
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gendan.core.bounds import date_problems, id_from
from gendan.core.errors import ApplicationError
from gendan.core.forms import add_service_errors, bootstrap
from gendan.core.lists import paginate
from gendan.core.tables import list_response
from gendan.crm.models import Customer
from gendan.sales.models import Order

from . import services
from .filters import TaskFilter
from .forms_tasks import ReassignForm, SnoozeForm, TaskForm
from .models import TaskStatus
from .selectors_tasks import (
    attach_record_urls,
    bell_notices,
    calendar_tasks,
    can_view_team,
    day_start,
    group_by_due,
    my_open_tasks,
    notification_list,
    task_queryset,
    task_timeline,
    team_task_counts,
    team_tasks_of,
    tomorrow_morning,
    unread_count,
    user_zone,
)
from .tables_worklists import TaskTable

BELL_MENU_LENGTH = 8
# People per page of the team's tasks (each with their few most urgent tasks).
TEAM_PEOPLE_PER_PAGE = 10


def in_user_zone(view):
    """Run the view in the user's time zone: forms read typed times in it, pages show times in it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(user_zone(request.user)):
            return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- my tasks ------------------------------------------------------------------------------------


@login_required
@in_user_zone
@require_GET
def my_tasks(request):
    groups = group_by_due(my_open_tasks(user=request.user), zone=timezone.get_current_timezone())
    return render(
        request,
        "automation/tasks/my_tasks.html",
        {"groups": groups, "tab": "list", "can_view_team": can_view_team(request.user), "now": timezone.now()},
    )


def _visible_task(request, pk):
    """The task if the user may see it (theirs, or their team's when they lead); 404 otherwise."""
    return get_object_or_404(task_queryset(user=request.user), pk=pk)


def _detail_page(request, task, *, snooze_form=None, reassign_form=None, status=200):
    attach_record_urls([task])
    is_open = task.status == TaskStatus.OPEN
    return render(
        request,
        "automation/tasks/task_detail.html",
        {
            "task": task,
            "events": task_timeline(task),
            "snooze_form": (snooze_form or SnoozeForm()) if is_open else None,
            "reassign_form": (reassign_form or ReassignForm(task=task)) if is_open else None,
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
@in_user_zone
@require_GET
def task_detail(request, pk):
    return _detail_page(request, _visible_task(request, pk))


def _row(request, task, *, panel=None, form=None, error=None, done=None, icon=None):
    """The task's row on "My tasks" (the HTMX answer of every action), with an open panel or a message."""
    attach_record_urls([task])
    return render(
        request,
        "automation/tasks/_task_row.html",
        {
            "task": task,
            "panel": panel,
            "form": form,
            "error": error,
            "done": done,
            "icon": icon,
            "now": timezone.now(),
            # The page the row sits on, for the forms' no-JavaScript fallback.
            "next_url": request.htmx.current_url_abs_path or reverse("automation:my_tasks"),
        },
    )


def _acted(request, task, message, icon, fallback=None):
    if request.htmx:
        return _row(request, task, done=message, icon=icon)
    messages.success(request, message)
    return redirect(_safe_next(request, fallback or reverse("automation:task_detail", args=[task.pk])))


def _refused(request, task, message):
    if request.htmx:
        return _row(request, task, error=message)
    messages.error(request, message)
    return redirect(_safe_next(request, reverse("automation:task_detail", args=[task.pk])))


@login_required
@in_user_zone
@require_POST
def task_complete_view(request, pk):
    task = _visible_task(request, pk)
    try:
        task = services.task_complete(task=task, actor=request.user, note=request.POST.get("note", "").strip())
    except ApplicationError as exc:
        return _refused(request, task, exc.message)
    return _acted(request, task, _("Task completed."), "bi-check-circle-fill text-success")


def _snooze_until(request):
    """The time asked for: a quick choice ("1h", "tomorrow") or the form's; (until, form)."""
    preset = request.POST.get("preset", "")
    if preset == "1h":
        return timezone.now() + datetime.timedelta(hours=1), SnoozeForm()
    if preset == "tomorrow":
        return tomorrow_morning(timezone.get_current_timezone()), SnoozeForm()
    form = SnoozeForm(request.POST)
    if preset:
        form.add_error(None, _("Unknown snooze choice."))
        return None, form
    return (form.cleaned_data["until"] if form.is_valid() else None), form


@login_required
@in_user_zone
@require_http_methods(["GET", "POST"])
def task_snooze_view(request, pk):
    task = _visible_task(request, pk)
    if request.method == "GET":
        if not request.htmx:
            return redirect("automation:task_detail", pk=task.pk)
        return _row(request, task, panel="snooze", form=SnoozeForm())
    until, form = _snooze_until(request)
    if until is not None:
        try:
            task = services.task_snooze(task=task, actor=request.user, until=until)
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            return _refused(request, task, exc.message)
        else:
            local = timezone.localtime(task.due_at)
            message = _("Snoozed until %(time)s.") % {"time": date_format(local, "m-d H:i")}
            return _acted(request, task, message, "bi-alarm text-primary")
    if request.htmx:
        return _row(request, task, panel="snooze", form=form)
    return _detail_page(request, task, snooze_form=form, status=400)


@login_required
@in_user_zone
@require_http_methods(["GET", "POST"])
def task_reassign_view(request, pk):
    task = _visible_task(request, pk)
    if request.method == "GET":
        if not request.htmx:
            return redirect("automation:task_detail", pk=task.pk)
        return _row(request, task, panel="reassign", form=ReassignForm(task=task))
    form = ReassignForm(request.POST, task=task)
    if form.is_valid():
        try:
            task = services.task_reassign(task=task, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            return _refused(request, task, exc.message)
        else:
            message = _("Handed over to %(name)s.") % {"name": task.assignee}
            # Not back to the task: handing it over may take it out of the user's sight.
            return _acted(request, task, message, "bi-person-check", fallback=reverse("automation:my_tasks"))
    if request.htmx:
        return _row(request, task, panel="reassign", form=form)
    return _detail_page(request, task, reassign_form=form, status=400)


def _related_from_query(request):
    """The customer or order named by ?customer= / ?order=, if the user sees it; 404 otherwise."""
    for name, queryset in (("order", Order.objects), ("customer", Customer.objects)):
        value = request.GET.get(name)
        if value:
            record_id = id_from(value)
            if record_id is None:
                raise Http404
            return name, get_object_or_404(queryset.visible_to(request.user), pk=record_id)
    return None, None


@login_required
@in_user_zone
@require_http_methods(["GET", "POST"])
def task_create_view(request):
    name, related = _related_from_query(request)
    initial = {"assignee": request.user.pk, **({name: related.pk} if related else {})}
    form = TaskForm(request.POST if request.method == "POST" else None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        related = form.related()
        try:
            task = services.task_create(
                actor=request.user,
                title=data["title"],
                notes=data["notes"],
                assignee=data["assignee"],
                due_at=data["due_at"],
                priority=data["priority"],
                related=related,
            )
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Task created."))
            if related is not None:
                attach_record_urls([task])
                return redirect(task.record_url)
            return redirect("automation:task_detail", pk=task.pk)
    return render(request, "automation/tasks/task_form.html", {"form": form, "related": related})


# --- calendar ------------------------------------------------------------------------------------


def _anchor_date(request) -> datetime.date:
    """The ?date= to show; today when it is malformed or so far out that the grid around it would leave the calendar."""
    try:
        anchor = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()
    return timezone.localdate() if date_problems(anchor) else anchor


@login_required
@in_user_zone
@require_GET
def task_calendar(request):
    view = "week" if request.GET.get("view") == "week" else "month"
    anchor = _anchor_date(request)
    today = timezone.localdate()
    if view == "month":
        first = anchor.replace(day=1)
        next_first = (first + datetime.timedelta(days=32)).replace(day=1)
        grid_start = first - datetime.timedelta(days=first.weekday())
        grid_end = next_first + datetime.timedelta(days=(7 - next_first.weekday()) % 7)
        previous, following = (first - datetime.timedelta(days=1)).replace(day=1), next_first
    else:
        first = grid_start = anchor - datetime.timedelta(days=anchor.weekday())
        grid_end = grid_start + datetime.timedelta(days=7)
        previous, following = grid_start - datetime.timedelta(days=7), grid_end
    zone = timezone.get_current_timezone()
    by_day = defaultdict(list)
    tasks = calendar_tasks(user=request.user, start=day_start(grid_start, zone), end=day_start(grid_end, zone))
    for task in tasks:
        by_day[timezone.localtime(task.due_at, zone).date()].append(task)
    days = [grid_start + datetime.timedelta(days=n) for n in range((grid_end - grid_start).days)]
    cells = [
        {
            "date": day,
            "tasks": by_day[day],
            "outside": view == "month" and day.month != first.month,
            "today": day == today,
        }
        for day in days
    ]
    return render(
        request,
        "automation/tasks/calendar.html",
        {
            "tab": "calendar",
            "view": view,
            "first": first,
            "last": grid_end - datetime.timedelta(days=1),
            "weeks": [cells[i : i + 7] for i in range(0, len(cells), 7)],
            "previous": previous,
            "following": following,
            "today": today,
            "task_count": len(tasks),
            "can_view_team": can_view_team(request.user),
            "now": timezone.now(),
        },
    )


# --- team ----------------------------------------------------------------------------------------


@login_required
@in_user_zone
@require_GET
def team_tasks(request):
    if not can_view_team(request.user):
        raise PermissionDenied
    everyone = team_task_counts(user=request.user)
    # People by the page, so a large company's team page does not list everyone's tasks at once.
    page = paginate(request, everyone, TEAM_PEOPLE_PER_PAGE)
    team_tasks_of(page.object_list, user=request.user)
    return render(
        request,
        "automation/tasks/team.html",
        {
            "tab": "team",
            "everyone": [(entry, index // TEAM_PEOPLE_PER_PAGE + 1) for index, entry in enumerate(everyone)],
            "people": page.object_list,
            "page_obj": page,
            "can_view_team": True,
            "overdue_total": sum(p.overdue for p in everyone),
            "now": timezone.now(),
        },
    )


@login_required
@in_user_zone
@require_GET
def task_list(request):
    """Every task the person may see, filtered: the records behind a dashboard's overdue tasks."""
    tasks = task_queryset(user=request.user).order_by(F("due_at").asc(nulls_last=True), "id")
    filterset = TaskFilter(request.GET, queryset=tasks, request=request)
    bootstrap(filterset.form)
    return list_response(request, TaskTable, filterset.qs, "automation/tasks/task_list.html", {"filter": filterset})


# --- notifications -------------------------------------------------------------------------------


@login_required
@in_user_zone
@require_GET
def notifications_page(request):
    page = paginate(request, notification_list(user=request.user))
    return render(request, "automation/notifications/list.html", {"page_obj": page})


@login_required
@require_GET
def bell(request):
    """The unread count in the navbar, polled by HTMX."""
    return render(request, "automation/notifications/_bell.html", {"unread": unread_count(user=request.user)})


@login_required
@in_user_zone
@require_GET
def bell_menu(request):
    """The newest notices, loaded when the bell's dropdown opens."""
    latest = list(bell_notices(user=request.user)[:BELL_MENU_LENGTH])
    return render(request, "automation/notifications/_menu.html", {"latest": latest})


@login_required
@require_POST
def notification_open(request, pk):
    """Clicking a notice: mark it read and go where it points."""
    notification = get_object_or_404(notification_list(user=request.user), pk=pk)
    services.notification_mark_read(recipient=request.user, notification_ids=[notification.pk])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("automation:notifications")
    return redirect(target)


@login_required
@in_user_zone
@require_POST
def notification_read(request):
    """Mark one notice (POST id) or all of them (POST all) read."""
    if request.POST.get("all"):
        ids = None
    else:
        raw = request.POST.getlist("id")
        if not raw or not all(id_from(value) for value in raw):
            messages.error(request, _("Choose a notification to mark read."))
            return redirect(_safe_next(request, reverse("automation:notifications")))
        ids = [id_from(value) for value in raw]
    changed = services.notification_mark_read(recipient=request.user, notification_ids=ids)
    if request.htmx and ids is not None:
        notification = get_object_or_404(notification_list(user=request.user), pk=ids[0])
        return render(request, "automation/notifications/_item.html", {"notification": notification})
    if ids is None:
        messages.success(request, _("All notifications marked read."))
    elif not changed:
        messages.info(request, _("Nothing to mark read."))
    return redirect(_safe_next(request, reverse("automation:notifications")))


urlpatterns = [
    path("tasks/", my_tasks, name="my_tasks"),
    path("tasks/new/", task_create_view, name="task_create"),
    path("tasks/calendar/", task_calendar, name="task_calendar"),
    path("tasks/team/", team_tasks, name="team_tasks"),
    path("tasks/all/", task_list, name="task_list"),
    path("tasks/<int:pk>/", task_detail, name="task_detail"),
    path("tasks/<int:pk>/complete/", task_complete_view, name="task_complete"),
    path("tasks/<int:pk>/snooze/", task_snooze_view, name="task_snooze"),
    path("tasks/<int:pk>/reassign/", task_reassign_view, name="task_reassign"),
    path("notifications/", notifications_page, name="notifications"),
    path("notifications/bell/", bell, name="bell"),
    path("notifications/menu/", bell_menu, name="bell_menu"),
    path("notifications/read/", notification_read, name="notification_read"),
    path("notifications/<int:pk>/open/", notification_open, name="notification_open"),
]
