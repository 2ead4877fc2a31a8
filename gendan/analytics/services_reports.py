"""Saved reports: made, changed and deleted by their owner, subscribed to by their readers. Each function is one
transaction and records its event; every bad input is a field error and writes nothing."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gendan.accounts.models import Department
from gendan.accounts.scoping import department_subtree_ids
from gendan.catalog.models import Product
from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.crm.models import Customer

from .metrics.groupings import OWNER, PRODUCT, REGION, TEAM
from .metrics.periods import period_errors
from .models import ReportSchedule, SavedReport
from .reports import (
    CUSTOM,
    DIMENSIONS,
    FILTER_GROUPINGS,
    GROUPING_LABELS,
    MAX_DIMENSIONS,
    MAX_FILTER_KEYS,
    MAX_MEASURES,
    PERIODS,
    measure_for,
)

NAME_MAX_LENGTH = SavedReport._meta.get_field("name").max_length
EDITABLE = ("name", "dimensions", "measures", "filters", "shared_with", "schedule", "send_at")
_REGION_MAX_LENGTH = 50


def _checked_name(actor, name, report: SavedReport | None) -> tuple[str, list]:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        return name, [_("Name the report.")]
    if len(name) > NAME_MAX_LENGTH:
        return name, [_("Use at most %(max)s characters.") % {"max": NAME_MAX_LENGTH}]
    try:
        # PostgreSQL refuses to store it, as every form field of Django's does.
        ProhibitNullCharactersValidator()(name)
    except ValidationError as exc:
        return name, exc.messages
    taken = SavedReport.objects.filter(owner=actor, name__iexact=name)
    if report is not None:
        taken = taken.exclude(pk=report.pk)
    if taken.exists():
        return name, [_duplicate_message(name)]
    return name, []


def _duplicate_message(name: str) -> str:
    return _("You already have a report named “%(name)s”.") % {"name": name}


def _names(value, most: int, empty: str, too_many: str) -> tuple[list, list]:
    """A list of distinct names (in the order given), or what is wrong with it."""
    if not isinstance(value, list | tuple) or not all(isinstance(each, str) for each in value):
        return [], [_("Send a list of names.")]
    if not value:
        return [], [empty]
    if len(value) > most:
        return [], [too_many]
    if len(set(value)) < len(value):
        return [], [_("Name each one once.")]
    return list(value), []


def _checked_measures(actor, value) -> tuple[list, list, list]:
    """The measures' names, the measures, and what is wrong: an unknown one, or one the actor may not see."""
    names, errors = _names(
        value,
        MAX_MEASURES,
        _("Choose at least one measure."),
        _("Choose at most %(most)s measures.") % {"most": MAX_MEASURES},
    )
    measures = []
    for name in names:
        measure = measure_for(name)
        if measure is None:
            errors.append(_("There is no measure named “%(name)s”.") % {"name": name})
        elif not measure.visible_to(actor):
            errors.append(_("You may not see %(measure)s, so you cannot report it.") % {"measure": measure.label})
        else:
            measures.append(measure)
    return names, measures, errors


def _checked_dimensions(value, measures: list) -> tuple[list, list]:
    names, errors = _names(
        value,
        MAX_DIMENSIONS,
        _("Choose what the rows are grouped by."),
        _("Group the rows by one or two things."),
    )
    unknown = [name for name in names if name not in DIMENSIONS]
    if unknown:
        return [], [_("The rows cannot be grouped by %(names)s.") % {"names": ", ".join(unknown)}]
    for name in names:
        for measure in measures:
            if name not in measure.dimensions:
                errors.append(
                    _("%(measure)s cannot be grouped by %(grouping)s.")
                    % {"measure": measure.label, "grouping": GROUPING_LABELS[name]}
                )
    return names, errors


def _ids(value) -> list | None:
    """Ids as a list of ints (one id alone as a list of one); None for anything else."""
    values = value if isinstance(value, list | tuple) else [value]
    if all(isinstance(each, int) and not isinstance(each, bool) and 0 < each < 2**63 for each in values):
        return list(values)
    return None


def _existing(grouping: str, ids: list, actor) -> set:
    """Of `ids`, those naming a record the actor may name in a filter (a customer only within their scope)."""
    if grouping == OWNER:
        found = get_user_model().objects.filter(pk__in=ids)
    elif grouping == TEAM:
        found = Department.objects.filter(pk__in=ids)
    elif grouping == PRODUCT:
        found = Product.objects.filter(pk__in=ids)
    else:
        found = Customer.objects.visible_to(actor).filter(pk__in=ids)
    return set(found.values_list("pk", flat=True))


def _checked_filters(actor, value, measures: list) -> tuple[dict, list]:
    """{grouping: [keys], "period": name[, "start", "end"]} as saved, or what is wrong, each message naming its key."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        return {}, [_('Send the filters as an object, e.g. {"period": "last_week", "team": [3]}.')]
    errors = []
    unknown = sorted(str(key) for key in value if key not in (*FILTER_GROUPINGS, "period", "start", "end"))
    if unknown:
        errors.append(_("Not a filter of a report: %(names)s.") % {"names": ", ".join(unknown)})
    checked = {}
    for grouping in FILTER_GROUPINGS:
        keys = value.get(grouping)
        if keys in (None, [], ""):
            continue
        label = GROUPING_LABELS[grouping]
        if grouping == REGION:
            keys = keys if isinstance(keys, list | tuple) else [keys]
            if not all(isinstance(key, str) and len(key.strip()) <= _REGION_MAX_LENGTH for key in keys):
                errors.append(_("%(filter)s: send the regions' names.") % {"filter": label})
                continue
            keys = [key.strip() for key in keys]
        else:
            keys = _ids(keys)
            if keys is None:
                errors.append(_("%(filter)s: send ids.") % {"filter": label})
                continue
        if len(keys) > MAX_FILTER_KEYS:
            errors.append(_("%(filter)s: at most %(most)s.") % {"filter": label, "most": MAX_FILTER_KEYS})
            continue
        if grouping != REGION and _existing(grouping, keys, actor) != set(keys):
            errors.append(_("%(filter)s: not found.") % {"filter": label})
            continue
        for measure in measures:
            if grouping not in measure.filterable:
                errors.append(
                    _("%(measure)s cannot be narrowed by %(filter)s.") % {"measure": measure.label, "filter": label}
                )
        checked[grouping] = list(dict.fromkeys(keys))
    period = value.get("period") or (CUSTOM if value.get("start") or value.get("end") else "this_month")
    if period not in PERIODS:
        errors.append(_("Not a period of a report: %(name)s.") % {"name": period})
    elif period == CUSTOM:
        errors.extend(_fixed_dates(value, checked))
    checked["period"] = period
    return checked, errors


def _fixed_dates(value: dict, checked: dict) -> list:
    days = {}
    for key, label in (("start", _("From")), ("end", _("To"))):
        try:
            days[key] = datetime.date.fromisoformat(value.get(key)) if isinstance(value.get(key), str) else None
        except ValueError:
            days[key] = None
        if days[key] is None:
            return [_("%(field)s: enter a day as YYYY-MM-DD.") % {"field": label}]
    found = period_errors(days["start"], days["end"])
    if found:
        return [message for messages in found.values() for message in messages]
    checked["start"], checked["end"] = days["start"].isoformat(), days["end"].isoformat()
    return []


def _checked_team(actor, value) -> tuple[Department | None, list]:
    """Nobody, or the actor's department or a team below it."""
    if value in (None, ""):
        return None, []
    if isinstance(value, Department):
        value = value.pk
    if actor.department_id is None:
        return None, [_("You belong to no team to share it with.")]
    if not isinstance(value, int) or isinstance(value, bool) or value not in department_subtree_ids(actor.department):
        return None, [_("Share it with your team or a team below it.")]
    return Department.objects.get(pk=value), []


def _checked_send_at(value) -> tuple[datetime.time | None, list]:
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0, tzinfo=None), []
    try:
        return datetime.time.fromisoformat(value).replace(second=0, microsecond=0), []
    except (TypeError, ValueError):
        return None, [_("Enter a time of day as HH:MM.")]


def report_checked(*, actor, fields: dict, report: SavedReport | None = None) -> dict:
    """`fields` (some of EDITABLE) as they are saved, every problem at once keyed by field; the fields left out are
    the report's. Also the builder's check before it shows an unsaved report."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"report fields {sorted(unknown)} are not editable")
    current = {
        "measures": report.measures if report else [],
        "dimensions": report.dimensions if report else [],
        "filters": report.filters if report else {},
    }
    errors, checked = {}, {}
    if "name" in fields:
        checked["name"], errors["name"] = _checked_name(actor, fields["name"], report)
    names, measures, errors["measures"] = _checked_measures(actor, fields.get("measures", current["measures"]))
    if "measures" in fields:
        checked["measures"] = names
    # The groupings and filters are checked against the measures as they will be, whichever of them changed.
    dimensions, errors["dimensions"] = _checked_dimensions(fields.get("dimensions", current["dimensions"]), measures)
    if "dimensions" in fields or "measures" in fields:
        checked["dimensions"] = dimensions
    filters, errors["filters"] = _checked_filters(actor, fields.get("filters", current["filters"]), measures)
    if "filters" in fields or "measures" in fields:
        checked["filters"] = filters
    if "shared_with" in fields:
        checked["shared_with"], errors["shared_with"] = _checked_team(actor, fields["shared_with"])
    if "schedule" in fields:
        checked["schedule"] = fields["schedule"]
        errors["schedule"] = [] if fields["schedule"] in ReportSchedule.values else [_("Choose how often to send it.")]
    if "send_at" in fields:
        checked["send_at"], errors["send_at"] = _checked_send_at(fields["send_at"])
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)
    return checked


def _event_data(report: SavedReport) -> dict:
    return {
        "name": report.name,
        "dimensions": report.dimensions,
        "measures": report.measures,
        "shared_with": report.shared_with_id,
        "schedule": report.schedule,
    }


@transaction.atomic
def report_create(
    *,
    actor,
    name: str,
    dimensions,
    measures,
    filters=None,
    shared_with=None,
    schedule: str = ReportSchedule.NONE,
    send_at="08:00",
) -> SavedReport:
    """A report of `actor`'s, shared with a team of theirs or with nobody, sent on `schedule` or never."""
    fields = {
        "name": name,
        "dimensions": dimensions,
        "measures": measures,
        "filters": filters or {},
        "shared_with": shared_with,
        "schedule": schedule,
        "send_at": send_at,
    }
    report = SavedReport(owner=actor, **report_checked(actor=actor, fields=fields))
    try:
        with transaction.atomic():
            report.save(force_insert=True)
    except IntegrityError:
        # The same name saved from another tab in the meantime.
        raise ValidationError({"name": [_duplicate_message(report.name)]})
    events.record(actor, "report.created", report, data=_event_data(report), root=actor)
    return report


def _lock_own(report: SavedReport, actor) -> SavedReport:
    locked = SavedReport.objects.select_for_update().filter(pk=report.pk).first()
    if locked is None:
        raise ApplicationError(_("This report no longer exists."), ErrorCode.NOT_EDITABLE)
    if locked.owner_id != actor.pk:
        raise ApplicationError(
            _("Only the person who saved a report can change or delete it."), ErrorCode.PERMISSION_DENIED
        )
    return locked


@transaction.atomic
def report_update(*, report: SavedReport, actor, **fields) -> SavedReport:
    """Changes the given fields (EDITABLE) of one of the actor's reports."""
    report = _lock_own(report, actor)
    checked = report_checked(actor=actor, fields=fields, report=report)
    before = events.snapshot(report, list(checked))
    for name, value in checked.items():
        setattr(report, name, value)
    changes = events.diff(before, events.snapshot(report, list(checked)))
    if not changes:
        return report
    try:
        with transaction.atomic():
            report.save(update_fields=[*checked, "updated_at"])
    except IntegrityError:
        raise ValidationError({"name": [_duplicate_message(report.name)]})
    events.record(actor, "report.updated", report, changes=changes, root=actor)
    return report


@transaction.atomic
def report_delete(*, report: SavedReport, actor) -> None:
    """Deletes one of the actor's reports: whoever it was shared with no longer sees it, nobody receives it."""
    report = _lock_own(report, actor)
    events.record(actor, "report.deleted", report, data=_event_data(report), root=actor)
    report.delete()


@transaction.atomic
def report_subscribe(*, report: SavedReport, actor, subscribed: bool) -> SavedReport:
    """Whether `actor` receives a report shared with them when it is sent (its owner always does)."""
    locked = SavedReport.objects.seen_by(actor).select_for_update().filter(pk=report.pk).first()
    if locked is None:
        raise ApplicationError(_("This report is not shared with you."), ErrorCode.PERMISSION_DENIED)
    if locked.owner_id == actor.pk:
        raise ValidationError({"subscribed": [_("You receive your own reports whenever they are sent.")]})
    already = locked.subscribers.filter(pk=actor.pk).exists()
    if already == subscribed:
        return locked
    if subscribed:
        locked.subscribers.add(actor)
    else:
        locked.subscribers.remove(actor)
    verb = "report.subscribed" if subscribed else "report.unsubscribed"
    events.record(actor, verb, locked, root=actor)
    return locked
