"""Follow-ups (跟进记录) and meetings with customers. Each function is one transaction and records its event.

A follow-up moves the customer's clocks (last_followed_up_at, quiet_since) forward, never
back: a call logged late for last week does not make the customer look more recently
contacted than they were. Recording it settles the reminders to get in touch and turns its
optional next follow-up date into a task for the customer's owner: automation does both, in
the same transaction, when the "followup.created" event is recorded (gendan/automation/followups.py).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.scoping import require_visible
from gendan.core import events
from gendan.core.bounds import date_errors
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.services import check_version, full_clean, require_perm

from .models import MEETING_STATES, Contact, Customer, FollowUp, FollowUpKind, Meeting, MeetingStatus

FOLLOWUP_FIELDS = ["kind", "occurred_at", "notes", "outcome", "contact", "next_followup_on"]
MEETING_FIELDS = ["title", "starts_at", "duration_minutes", "place", "owner", "agenda"]
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = datetime.timedelta(minutes=5)


def _lock_customer(customer: Customer, actor) -> Customer:
    locked = Customer.objects.select_for_update().select_related("owner").get(pk=customer.pk)
    require_visible(Customer.objects, locked, actor)
    return locked


def _contact_errors(contacts, customer) -> list[str]:
    foreign = [c for c in contacts if c is not None and c.customer_id != customer.pk]
    return [_("Not one of this customer's contacts.")] if foreign else []


# --- follow-ups --------------------------------------------------------------------------------


@transaction.atomic
def followup_create(
    *,
    customer: Customer,
    actor,
    notes: str,
    kind: str = FollowUpKind.CALL,
    occurred_at: datetime.datetime | None = None,
    outcome: str = "",
    contact: Contact | None = None,
    next_followup_on: datetime.date | None = None,
    meeting: Meeting | None = None,
) -> FollowUp:
    require_perm(actor, "crm.add_followup")
    customer = _lock_customer(customer, actor)
    now = timezone.now()
    followup = FollowUp(
        customer=customer,
        author=actor,
        kind=kind,
        occurred_at=occurred_at or now,
        notes=(notes or "").strip(),
        outcome=(outcome or "").strip(),
        contact=contact,
        next_followup_on=next_followup_on,
        meeting=meeting,
    )
    errors = {}
    try:
        full_clean(followup, exclude=["customer", "author", "meeting"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    errors.update(date_errors({"next_followup_on": next_followup_on}, planned=True))
    if out_of_range := date_errors({"occurred_at": followup.occurred_at}):
        errors.update(out_of_range)  # and no comparison with now: the moment cannot even be converted to UTC
    elif followup.occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = [_("A follow-up is recorded once it has happened; this time is still to come.")]
    if message := _contact_errors([contact], customer):
        errors["contact"] = message
    if "next_followup_on" not in errors and next_followup_on is not None and next_followup_on < timezone.localdate(now):
        errors["next_followup_on"] = [_("Choose today or a later day.")]
    if errors:
        raise ValidationError(errors)
    followup.save()

    moved = []
    if customer.last_followed_up_at is None or followup.occurred_at > customer.last_followed_up_at:
        customer.last_followed_up_at = followup.occurred_at
        moved.append("last_followed_up_at")
    if followup.occurred_at > customer.quiet_since:
        customer.quiet_since = followup.occurred_at
        moved.append("quiet_since")
    if moved:
        # Not a profile edit: the version (which guards edits of the profile) stays.
        customer.save(update_fields=[*moved, "updated_at"])

    events.record(
        actor,
        "followup.created",
        followup,
        data={
            "kind": followup.kind,
            "outcome": followup.outcome,
            "contact": contact,
            "next_followup_on": next_followup_on,
            "meeting": meeting,
            "note": followup.notes[:500],
        },
        root=customer,
    )
    return followup


# --- meetings ----------------------------------------------------------------------------------


def _owner_errors(owner, customer) -> list[str]:
    if owner is None or not owner.is_active:
        return [_("Choose an active user.")]
    if not Customer.objects.visible_to(owner).filter(pk=customer.pk).exists():
        return [_("%(user)s cannot see this customer.") % {"user": owner}]
    return []


def _check_meeting(meeting: Meeting, customer: Customer, contacts, *, now=None) -> None:
    """Field-keyed errors, all at once; with `now`, the start must not lie in the past."""
    errors = {}
    try:
        full_clean(meeting, exclude=["customer", "owner"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if message := _owner_errors(meeting.owner if meeting.owner_id else None, customer):
        errors["owner"] = message
    if out_of_range := date_errors({"starts_at": meeting.starts_at}, planned=True):
        errors.update(out_of_range)
    elif now is not None and meeting.starts_at is not None and meeting.starts_at < now - CLOCK_SKEW:
        errors["starts_at"] = [_("Choose a time to come; record a meeting that took place as a follow-up.")]
    if contacts is not None and (message := _contact_errors(contacts, customer)):
        errors["contacts"] = message
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def meeting_schedule(
    *,
    customer: Customer,
    actor,
    title: str,
    starts_at: datetime.datetime,
    owner=None,
    duration_minutes: int = 60,
    place: str = "",
    agenda: str = "",
    contacts=(),
) -> Meeting:
    require_perm(actor, "crm.add_meeting")
    customer = _lock_customer(customer, actor)
    meeting = Meeting(
        customer=customer,
        title=(title or "").strip(),
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=(place or "").strip(),
        agenda=agenda or "",
        owner=owner or actor,
        status=MeetingStatus.PLANNED,
    )
    contacts = list(contacts)
    _check_meeting(meeting, customer, contacts, now=timezone.now())
    meeting.save()
    meeting.contacts.set(contacts)
    events.record(
        actor,
        "meeting.scheduled",
        meeting,
        data={"starts_at": meeting.starts_at, "owner": meeting.owner_id, "place": meeting.place},
        root=customer,
    )
    return meeting


def lock_meeting(meeting: Meeting, actor) -> Meeting:
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("customer", "owner").get(pk=meeting.pk)
    if not Meeting.objects.visible_to(actor).filter(pk=locked.pk).exists():
        raise ApplicationError(
            _("You cannot change a record outside the records you can see."), ErrorCode.PERMISSION_DENIED
        )
    return locked


def _require_planned(meeting: Meeting, action) -> None:
    if meeting.status != MeetingStatus.PLANNED:
        raise ApplicationError(
            _("Cannot %(action)s a meeting that is %(status)s.")
            % {"action": action, "status": meeting.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": meeting.status},
        )


def _meeting_move(meeting: Meeting, status: str, *, actor, verb: str, data=None, extra_fields=()) -> None:
    MEETING_STATES.move(
        meeting, status, actor=actor, verb=verb, data=data, extra_fields=extra_fields, root=meeting.customer
    )


@transaction.atomic
def meeting_update(*, meeting: Meeting, actor, version=None, contacts=None, **fields) -> Meeting:
    """Reschedule or edit a planned meeting; a new start time moves its reminder with it."""
    require_perm(actor, "crm.change_meeting")
    meeting = lock_meeting(meeting, actor)
    check_version(meeting, version)
    _require_planned(meeting, _("edit"))
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"meeting_update got unexpected fields {sorted(unknown)}")
    before = events.snapshot(meeting, fields)
    for name, value in fields.items():
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            # In UTC, as read from the database, so an unchanged time is not recorded as a change.
            value = value.astimezone(datetime.UTC)
        elif isinstance(value, str) and name != "agenda":
            value = value.strip()
        setattr(meeting, name, value)
    contacts = list(contacts) if contacts is not None else None
    changes = events.diff(before, events.snapshot(meeting, fields))
    # A start already past (the meeting is under way) is only refused when it is being moved.
    _check_meeting(meeting, meeting.customer, contacts, now=timezone.now() if "starts_at" in changes else None)
    meeting.version += 1
    meeting.save()
    if contacts is not None:
        meeting.contacts.set(contacts)
    events.record(actor, "meeting.updated", meeting, changes=changes, root=meeting.customer)
    return meeting


@transaction.atomic
def meeting_hold(
    *,
    meeting: Meeting,
    actor,
    notes: str,
    outcome: str = "",
    contact: Contact | None = None,
    next_followup_on: datetime.date | None = None,
) -> Meeting:
    """The meeting took place: mark it held and record what came of it as a follow-up."""
    require_perm(actor, "crm.change_meeting")
    meeting = lock_meeting(meeting, actor)
    _require_planned(meeting, _("hold"))
    now = timezone.now()
    # A meeting brought forward may be recorded on its day; one still days away has not taken place.
    if timezone.localdate(meeting.starts_at) > timezone.localdate(now):
        raise ApplicationError(
            _("This meeting is still to come; reschedule it if it took place earlier."),
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"starts_at": meeting.starts_at},
        )
    followup = followup_create(
        customer=meeting.customer,
        actor=actor,
        kind=FollowUpKind.MEETING,
        occurred_at=min(meeting.starts_at, now),
        notes=notes,
        outcome=outcome,
        contact=contact,
        next_followup_on=next_followup_on,
        meeting=meeting,
    )
    _meeting_move(meeting, MeetingStatus.HELD, actor=actor, verb="meeting.held", data={"followup": followup.pk})
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor, reason: str) -> Meeting:
    require_perm(actor, "crm.change_meeting")
    meeting = lock_meeting(meeting, actor)
    _require_planned(meeting, _("cancel"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    meeting.cancel_reason = reason[:200]
    _meeting_move(
        meeting,
        MeetingStatus.CANCELLED,
        actor=actor,
        verb="meeting.cancelled",
        data={"reason": meeting.cancel_reason},
        extra_fields=["cancel_reason"],
    )
    return meeting
