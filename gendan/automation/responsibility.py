"""Who answers for each stage of a record, with the history of every handover (COL-1).

A Responsibility row is one person's time in charge of one stage; a handover ends the
current row and starts the next, so the rows of a record are its whole history. Set by hand
(the order page) or by a rule's "set responsible" action, through `responsibility_set`.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.scoping import require_visible
from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.sales.models import STAGES, Order

from . import services
from .models import NotificationKind, Responsibility

# The stages offered for each kind of record: an order's main road, as its progress bar shows it.
STAGES_BY_MODEL = {Order: [(stage.value, stage.label) for stage in STAGES]}


def stages_for(model) -> list[tuple[str, str]]:
    return STAGES_BY_MODEL.get(model, [])


def stage_label(model, stage: str) -> str:
    return str(dict(stages_for(model)).get(stage, stage))


def can_hand_over(actor, record, current: Responsibility | None) -> bool:
    """Whoever may edit the record, or the person now responsible for the stage."""
    meta = record._meta
    return actor.has_perm(f"{meta.app_label}.change_{meta.model_name}") or (
        current is not None and current.user_id == actor.pk
    )


@transaction.atomic
def responsibility_set(*, record, stage: str, user, actor, reason: str = "") -> Responsibility:
    """Make `user` responsible for `stage` of `record`, ending whoever was before.

    `actor` None is the system (a rule's "set responsible" action): no permission applies.
    """
    stage = (stage or "").strip()
    reason = (reason or "").strip()
    errors = {}
    if not stage:
        errors["stage"] = [_("Choose a stage.")]
    elif len(stage) > Responsibility._meta.get_field("stage").max_length:
        errors["stage"] = [_("Not a stage of this record.")]
    if user is None or not user.is_active:
        errors["user"] = [_("Choose an active user.")]
    if len(reason) > Responsibility._meta.get_field("reason").max_length:
        errors["reason"] = [_("Keep the reason under 200 characters.")]
    if errors:
        raise ValidationError(errors)
    model = type(record)
    # The record's row serialises handovers of its stages, the very first one too (no row to lock yet).
    record = model._default_manager.select_for_update(of=("self",)).get(pk=record.pk)
    if actor is not None and hasattr(model._default_manager.all(), "visible_to"):
        require_visible(model._default_manager, record, actor)
    content_type = ContentType.objects.get_for_model(record)
    current = (
        Responsibility.objects.select_related("user")
        .filter(content_type=content_type, object_id=record.pk, stage=stage, ended_at__isnull=True)
        .first()
    )
    if actor is not None and not can_hand_over(actor, record, current):
        raise ApplicationError(_("You are not allowed to do this."), ErrorCode.PERMISSION_DENIED)
    if current is not None and current.user_id == user.pk:
        raise ValidationError({"user": [_("%(person)s is already responsible for this stage.") % {"person": user}]})
    if current is not None:
        current.ended_at = timezone.now()
        current.save(update_fields=["ended_at"])
    row = Responsibility.objects.create(
        content_type=content_type, object_id=record.pk, stage=stage, user=user, assigned_by=actor, reason=reason
    )
    events.record(
        actor,
        "responsibility.changed",
        row,
        changes={"user": [str(current.user) if current else None, str(user)]},
        data={
            "stage": stage,
            "from_user": current.user_id if current else None,
            "to_user": user.pk,
            "reason": reason,
        },
        root=record,
    )
    if actor is None or user.pk != actor.pk:
        services.notification_create(
            recipient=user,
            kind=NotificationKind.RESPONSIBILITY_ASSIGNED,
            title=_("You are now responsible for %(stage)s of %(record)s")
            % {"stage": stage_label(model, stage), "record": record},
            body=reason,
            url=record_url(record),
            related=record,
        )
    return row


def record_url(record) -> str:
    names = {Order: "sales:order_detail"}
    name = names.get(type(record))
    return reverse(name, args=[record.pk]) if name else ""


# --- reads ---------------------------------------------------------------------------------------


def responsibilities_of(record) -> models.QuerySet[Responsibility]:
    """Every responsibility of `record`, current and past, oldest first, with the people named."""
    return Responsibility.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("user", "assigned_by")


def responsibility_overview(record) -> dict:
    """For the record's page, from one query: each stage with its current person, and the handover history."""
    rows = list(responsibilities_of(record))
    current = {row.stage: row for row in rows if row.ended_at is None}
    known = stages_for(type(record))
    stage_names = [value for value, _label in known]
    # Stages set by rules that the page does not list still show, after the known ones.
    extra = sorted({row.stage for row in rows} - set(stage_names))
    labels = dict(known)
    for row in rows:
        row.stage_label = labels.get(row.stage, row.stage)
    return {
        "stages": [
            {"stage": stage, "label": labels.get(stage, stage), "current": current.get(stage)}
            for stage in [*stage_names, *extra]
        ],
        "history": sorted(rows, key=lambda row: (row.assigned_at, row.id), reverse=True),
        "current": current,
    }
