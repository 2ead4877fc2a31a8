"""Targets set, changed and removed by those who oversee the subject. Each function is one transaction and records its
events."""

from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gendan.accounts.models import Department
from gendan.core import events
from gendan.core.bounds import decimal_problems
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.services import require_perm

from .models import PeriodKind, SubjectKind, Target, TargetMetric
from .models.targets import FIRST_YEAR, LAST_YEAR
from .targets import SET_TARGET, Sight, TargetPeriod, may_set, target_metrics_for

# Counted in whole things (orders, customers): a target of 12.5 orders means nothing.
COUNTED = frozenset({TargetMetric.ORDERS, TargetMetric.NEW_CUSTOMERS})
MONTHS = range(1, 13)


def _integer(value):
    """`value` as a whole number, or None (a bool, a fraction or text is no year, quarter or month)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _checked_amount(metric: str, amount, errors: dict, key: str = "amount") -> Decimal | None:
    if isinstance(amount, bool) or amount is None or amount == "":
        errors[key] = [_("Enter the target.")]
        return None
    try:
        number = Decimal(str(amount).strip())
    except InvalidOperation:
        errors[key] = [_("Enter a number.")]
        return None
    if not number.is_finite():
        errors[key] = [_("Enter a number.")]
    elif number < 0:
        errors[key] = [_("A target cannot be below zero.")]
    elif metric in COUNTED and number != number.to_integral_value():
        errors[key] = [_("Orders and customers are counted in whole numbers.")]
    elif problems := decimal_problems(Target, "amount", number):
        errors[key] = problems
    else:
        return number.quantize(Decimal("0.01"))
    return None


def _checked_period(period, year, quarter, month, errors: dict) -> TargetPeriod | None:
    if period not in PeriodKind.values:
        errors["period"] = [_("Choose a year, a quarter or a month.")]
    year = _integer(year)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = [_("Enter a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}]
    quarter = None if quarter in (None, "") else _integer(quarter)
    month = None if month in (None, "") else _integer(month)
    if period == PeriodKind.QUARTER and (quarter is None or not 1 <= quarter <= 4):
        errors["quarter"] = [_("Choose a quarter from 1 to 4.")]
    if period != PeriodKind.QUARTER and quarter is not None:
        errors["quarter"] = [_("Only a quarter's target names a quarter.")]
    if period == PeriodKind.MONTH and (month is None or not 1 <= month <= 12):
        errors["month"] = [_("Choose a month from 1 to 12.")]
    if period != PeriodKind.MONTH and month is not None:
        errors["month"] = [_("Only a month's target names a month.")]
    if set(errors) & {"period", "year", "quarter", "month"}:
        return None
    return TargetPeriod(period, year, quarter if period == PeriodKind.QUARTER else None, month)


def _subject(actor, metric, team, owner, errors: dict, sight: Sight) -> str | None:
    """The kind of subject (neither team nor owner: the company), refused unless the actor may set it."""
    if metric not in TargetMetric.values:
        errors["metric"] = [_("Choose sales, collected, orders or new customers.")]
    elif metric not in target_metrics_for(actor):
        errors["metric"] = [_("You cannot see this metric.")]
    if team is not None and owner is not None:
        errors["owner"] = [_("A target is for a team or for a rep, not both.")]
        return None
    if team is not None and not isinstance(team, Department):
        errors["team"] = [_("Choose a team.")]
        return None
    if owner is not None and (not isinstance(owner, get_user_model()) or not owner.is_active):
        errors["owner"] = [_("Choose an active user.")]
        return None
    subject = SubjectKind.TEAM if team is not None else SubjectKind.REP if owner is not None else SubjectKind.COMPANY
    if not may_set(actor, subject, team.pk if team is not None else None, owner, sight):
        raise ApplicationError(
            _("You cannot set targets for this team or person."), ErrorCode.PERMISSION_DENIED, {"subject": subject}
        )
    return subject


def _find(metric, subject, team, owner, period: TargetPeriod):
    return (
        period.targets(Target.objects.select_for_update())
        .filter(metric=metric, subject=subject, team=team, owner=owner)
        .first()
    )


def _write(actor, metric, subject, team, owner, period: TargetPeriod, amount: Decimal) -> Target:
    """Create the target or change its amount; the event says which, with the amount before."""
    existing = _find(metric, subject, team, owner, period)
    if existing is None:
        target = Target(
            metric=metric,
            subject=subject,
            team=team,
            owner=owner,
            period=period.kind,
            year=period.year,
            quarter=period.quarter,
            month=period.month,
            amount=amount,
        )
        try:
            with transaction.atomic():
                target.save(force_insert=True)
        except IntegrityError:
            # Set from another tab or by someone else meanwhile: theirs is the one to change.
            existing = _find(metric, subject, team, owner, period)
        else:
            events.record(actor, "target.created", target, data=_describe(target))
            return target
    if existing.amount == amount:
        return existing
    before = existing.amount
    existing.amount = amount
    existing.save(update_fields=["amount", "updated_at"])
    events.record(actor, "target.updated", existing, changes={"amount": [before, amount]}, data=_describe(existing))
    return existing


def _describe(target: Target) -> dict:
    return {
        "metric": target.metric,
        "subject": target.subject,
        "team": target.team_id,
        "owner": target.owner_id,
        "period": target.period,
        "year": target.year,
        "quarter": target.quarter,
        "month": target.month,
        "amount": target.amount,
    }


@transaction.atomic
def target_set(
    *,
    actor,
    metric: str,
    period: str,
    year: int,
    amount,
    quarter: int | None = None,
    month: int | None = None,
    team: Department | None = None,
    owner=None,
) -> Target:
    """Set the target of `metric` for the company (no team, no owner), a `team` or a rep (`owner`) over a year, a
    quarter of it or a month of it: made, or its amount changed if it exists. Every problem at once, by field."""
    require_perm(actor, SET_TARGET)
    errors: dict = {}
    sight = Sight.of(actor)
    subject = _subject(actor, metric, team, owner, errors, sight)
    checked_period = _checked_period(period, year, quarter, month, errors)
    checked_amount = _checked_amount(metric, amount, errors)
    if errors:
        raise ValidationError(errors)
    return _write(actor, metric, subject, team, owner, checked_period, checked_amount)


@events.batched
def target_set_months(*, actor, metric: str, year: int, amounts: dict, team=None, owner=None) -> list[Target]:
    """A year's twelve months of one subject at once, as managers plan them: `amounts` {month: amount}; a month left
    blank (None or "") has no target, and one it had is removed. All months or none: errors keyed `month_<n>`."""
    require_perm(actor, SET_TARGET)
    errors: dict = {}
    sight = Sight.of(actor)
    subject = _subject(actor, metric, team, owner, errors, sight)
    _checked_period(PeriodKind.YEAR, year, None, None, errors)
    unknown = [key for key in amounts if _integer(key) not in MONTHS]
    if unknown:
        errors["amounts"] = [_("Months are numbered 1 to 12.")]
    checked = {}
    for month in MONTHS:
        value = amounts.get(month, amounts.get(str(month)))
        if value not in (None, ""):
            checked[month] = _checked_amount(metric, value, errors, key=f"month_{month}")
    if errors:
        raise ValidationError(errors)
    year = _integer(year)
    saved = []
    for month in MONTHS:
        period = TargetPeriod(PeriodKind.MONTH, year, month=month)
        if month in checked:
            saved.append(_write(actor, metric, subject, team, owner, period, checked[month]))
        elif (existing := _find(metric, subject, team, owner, period)) is not None:
            _remove(actor, existing)
    return saved


def _remove(actor, target: Target) -> None:
    events.record(actor, "target.deleted", target, data=_describe(target))
    target.delete()


@transaction.atomic
def target_delete(*, actor, target: Target) -> None:
    """Remove a target: the subject then shows its actual alone."""
    require_perm(actor, SET_TARGET)
    locked = Target.objects.select_for_update(of=("self",)).select_related("owner").filter(pk=target.pk).first()
    if locked is None:
        raise ApplicationError(_("This target no longer exists."), ErrorCode.NOT_EDITABLE)
    if not may_set(actor, locked.subject, locked.team_id, locked.owner):
        raise ApplicationError(
            _("You cannot set targets for this team or person."),
            ErrorCode.PERMISSION_DENIED,
            {"subject": locked.subject},
        )
    _remove(actor, locked)
