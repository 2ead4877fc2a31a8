"""Follow-up and meeting pages: quick entry on the customer page, the lists, and a meeting's own page."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gendan.accounts.roles import DataScope
from gendan.core.forms import bootstrap, run_service
from gendan.core.selectors import timeline_events
from gendan.core.tables import list_response

from . import services_followups as services
from .filters import FollowUpFilter, MeetingFilter
from .forms_followups import (
    FollowUpForm,
    MeetingCancelForm,
    MeetingEditForm,
    MeetingForm,
    MeetingHoldForm,
    local_now_minute,
)
from .lists import for_customer
from .models import Customer, MeetingStatus
from .selectors import customer_page_queryset, followup_list, meeting_detail_queryset, meeting_list
from .tables import FollowUpTable, MeetingTable
from .views import _detail_context


def _visible_customer(request, pk) -> Customer:
    # As the customer page reads it: a follow-up form with errors shows the whole page again.
    return get_object_or_404(customer_page_queryset(user=request.user), pk=pk)


def _drop_owner_filter(request, filterset, field="owner"):
    if request.user.data_scope == DataScope.OWN:
        # Someone who sees only their own records has nobody else to choose.
        del filterset.form.fields[field]


# --- follow-ups --------------------------------------------------------------------------------


@login_required
@permission_required("crm.add_followup", raise_exception=True)
@require_POST
def followup_add(request, pk):
    """Quick entry from the customer page: the follow-ups card (HTMX), or the whole page without JS."""
    customer = _visible_customer(request, pk)
    form = FollowUpForm(request.POST, prefix="followup", customer=customer)
    added = form.is_valid() and bool(
        run_service(form, lambda: services.followup_create(customer=customer, actor=request.user, **form.row()))
    )
    if added and not request.htmx:
        messages.success(request, _("Follow-up recorded."))
        return redirect(f"{customer.get_absolute_url()}#followups")
    if added:
        customer.refresh_from_db(fields=["last_followed_up_at", "quiet_since"])
    context = _detail_context(request, customer, **({} if added else {"followup_form": form}))
    if not request.htmx:
        return render(request, "crm/customer_detail.html", context)
    # The card is replaced; the timeline and the open tasks (a next follow-up makes one) out of band.
    return render(request, "crm/_followups.html", {**context, "added": added, "timeline_oob": True})


@login_required
@permission_required("crm.view_followup", raise_exception=True)
def followup_list_view(request):
    queryset, customer = for_customer(request.user, request.GET, followup_list(user=request.user))
    filterset = FollowUpFilter(request.GET, queryset=queryset, request=request)
    _drop_owner_filter(request, filterset, "author")
    bootstrap(filterset.form)
    return list_response(
        request, FollowUpTable, filterset.qs, "crm/followup_list.html", {"filter": filterset, "customer": customer}
    )


# --- meetings ----------------------------------------------------------------------------------


@login_required
@permission_required("crm.view_meeting", raise_exception=True)
def meeting_list_view(request):
    params = request.GET.copy()
    if not params:
        # Opened from the menu: what is coming up.
        params["status"] = MeetingStatus.PLANNED
    queryset, customer = for_customer(request.user, request.GET, meeting_list(user=request.user))
    filterset = MeetingFilter(params, queryset=queryset, request=request)
    _drop_owner_filter(request, filterset)
    bootstrap(filterset.form)
    return list_response(
        request, MeetingTable, filterset.qs, "crm/meeting_list.html", {"filter": filterset, "customer": customer}
    )


@login_required
@permission_required("crm.add_meeting", raise_exception=True)
def meeting_create(request, pk):
    customer = _visible_customer(request, pk)
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, customer=customer, user=request.user)
    if data is None:
        # The next full hour, a likely start.
        form.initial["starts_at"] = local_now_minute().replace(minute=0) + datetime.timedelta(hours=1)
    if data is not None and form.is_valid():
        meeting = run_service(
            form, lambda: services.meeting_schedule(customer=customer, actor=request.user, **form.cleaned_data)
        )
        if meeting is not None:
            messages.success(request, _("Meeting scheduled."))
            return redirect(meeting.get_absolute_url())
    return render(request, "crm/meeting_form.html", {"form": form, "customer": customer})


def _meeting_or_404(request, pk):
    return get_object_or_404(meeting_detail_queryset(user=request.user), pk=pk)


def _meeting_page(request, meeting, **forms):
    customer = meeting.customer
    return render(
        request,
        "crm/meeting_detail.html",
        {
            "meeting": meeting,
            "customer": customer,
            "hold_form": forms.get("hold_form") or MeetingHoldForm(prefix="hold", customer=customer),
            "cancel_form": forms.get("cancel_form") or MeetingCancelForm(prefix="cancel"),
            "events": timeline_events(meeting),
        },
        status=400 if forms else 200,
    )


@login_required
@permission_required("crm.view_meeting", raise_exception=True)
def meeting_detail(request, pk):
    return _meeting_page(request, _meeting_or_404(request, pk))


@login_required
@permission_required("crm.change_meeting", raise_exception=True)
def meeting_edit(request, pk):
    meeting = _meeting_or_404(request, pk)
    initial = {
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "duration_minutes": meeting.duration_minutes,
        "place": meeting.place,
        "owner": meeting.owner_id,
        "contacts": [c.pk for c in meeting.contacts.all()],
        "agenda": meeting.agenda,
        "version": meeting.version,
    }
    data = request.POST if request.method == "POST" else None
    form = MeetingEditForm(data, initial=initial, customer=meeting.customer, user=request.user)
    if data is not None and form.is_valid():
        fields = dict(form.cleaned_data)
        version = fields.pop("version")
        if run_service(
            form, lambda: services.meeting_update(meeting=meeting, actor=request.user, version=version, **fields)
        ):
            messages.success(request, _("Changes saved."))
            return redirect(meeting.get_absolute_url())
    stale = getattr(form, "stale", False)
    return render(
        request,
        "crm/meeting_form.html",
        {"form": form, "customer": meeting.customer, "meeting": meeting, "stale": stale},
    )


@login_required
@permission_required("crm.change_meeting", raise_exception=True)
@require_POST
def meeting_hold(request, pk):
    meeting = _meeting_or_404(request, pk)
    form = MeetingHoldForm(request.POST, prefix="hold", customer=meeting.customer)
    held = form.is_valid() and run_service(
        form, lambda: services.meeting_hold(meeting=meeting, actor=request.user, **form.cleaned_data)
    )
    if held:
        messages.success(request, _("Meeting recorded as held."))
        return redirect(meeting.get_absolute_url())
    return _meeting_page(request, meeting, hold_form=form)


@login_required
@permission_required("crm.change_meeting", raise_exception=True)
@require_POST
def meeting_cancel(request, pk):
    meeting = _meeting_or_404(request, pk)
    form = MeetingCancelForm(request.POST, prefix="cancel")
    cancelled = form.is_valid() and run_service(
        form, lambda: services.meeting_cancel(meeting=meeting, actor=request.user, **form.cleaned_data)
    )
    if cancelled:
        messages.success(request, _("Meeting cancelled."))
        return redirect(meeting.get_absolute_url())
    return _meeting_page(request, meeting, cancel_form=form)
