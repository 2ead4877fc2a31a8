"""The forecast from the pipeline: what the open opportunities in the reader's scope are likely to bring, by the month
each is expected to close and by its owner.

Each open deal counts for its amount × its probability (the stage's, unless someone set another) × its owner's
win-rate factor: the owner's share of deals won among those they closed in the last WIN_RATE_DAYS days, over the same
share for every deal in the reader's scope. An owner who closed fewer than MIN_CLOSED deals in that time (or a scope
that did) has a factor of 1: too few to tell. The probability times the factor is at most 100 %: a deal never counts
for more than its amount. Deals without an expected close date are listed apart, outside the months and the owners' totals (which both add up
to the forecast).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from gendan.crm.models import OPEN_STAGES, Opportunity, Stage

from .metrics import company_today
from .metrics.periods import bucket_label

WIN_RATE_DAYS = 365
MIN_CLOSED = 5
_CENT = Decimal("0.01")
_ONE = Decimal("1")
_HUNDRED = Decimal("100")


def _rate(won: int, closed: int) -> Decimal | None:
    return (Decimal(won) / Decimal(closed)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) if closed else None


@dataclass(frozen=True)
class WinRate:
    """An owner's deals won and closed in the window, and the factor their deals are weighted by."""

    owner: int
    won: int
    closed: int
    factor: Decimal

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.won, self.closed)

    @property
    def percent(self) -> Decimal | None:
        rate = self.rate
        return None if rate is None else (rate * _HUNDRED).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Deal:
    opportunity: Opportunity
    factor: Decimal

    @property
    def chance(self) -> Decimal:
        """The probability times the owner's factor, in percent, at most 100."""
        return min(_HUNDRED, (Decimal(self.opportunity.probability) * self.factor).quantize(Decimal("0.1")))

    @property
    def weighted(self) -> Decimal:
        return (self.opportunity.amount * self.chance / _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Bucket:
    """The deals of one month or one owner: how many, their amount and their weighted amount."""

    key: object
    label: str
    deals: int
    amount: Decimal
    weighted: Decimal
    past: bool = False
    rate: WinRate | None = None


@dataclass(frozen=True)
class Forecast:
    today: datetime.date
    since: datetime.date
    baseline_won: int
    baseline_closed: int
    deals: list
    undated: list
    by_month: list
    by_owner: list

    @property
    def baseline(self) -> Decimal | None:
        rate = _rate(self.baseline_won, self.baseline_closed)
        return None if rate is None else (rate * _HUNDRED).quantize(Decimal("0.1"))

    @property
    def amount(self) -> Decimal:
        return sum((deal.opportunity.amount for deal in self.deals), Decimal("0.00"))

    @property
    def weighted(self) -> Decimal:
        return sum((deal.weighted for deal in self.deals), Decimal("0.00"))

    @property
    def undated_weighted(self) -> Decimal:
        return sum((deal.weighted for deal in self.undated), Decimal("0.00"))

    def method(self) -> str:
        return _(
            "Each open opportunity counts for its amount × its probability (its stage's, unless someone set "
            "another) × its owner's win-rate factor. The factor is the owner's share of deals won among those they "
            "closed from %(since)s to %(today)s, divided by the same share over every deal you see (%(baseline)s). "
            "An owner who closed fewer than %(minimum)s deals in that time has a factor of 1, as has everyone when "
            "fewer than %(minimum)s deals were closed in all. Probability × factor is at most 100%%: no deal counts "
            "for more than its amount. Deals are placed in the month they are expected to close; those without an "
            "expected close date are listed apart and left out of the months and the owners' totals."
        ) % {
            "since": self.since.isoformat(),
            "today": self.today.isoformat(),
            "baseline": _("%(rate)s%% won") % {"rate": self.baseline}
            if self.baseline is not None
            else _("none closed"),
            "minimum": MIN_CLOSED,
        }


def _bucket(key, label, deals, **extra) -> Bucket:
    return Bucket(
        key=key,
        label=label,
        deals=len(deals),
        amount=sum((deal.opportunity.amount for deal in deals), Decimal("0.00")),
        weighted=sum((deal.weighted for deal in deals), Decimal("0.00")),
        **extra,
    )


def forecast(user, *, today: datetime.date | None = None) -> Forecast:
    """The open opportunities `user` sees, weighted (see the module); two queries."""
    today = today or company_today()
    since = today - datetime.timedelta(days=WIN_RATE_DAYS)
    seen = Opportunity.objects.visible_to(user)
    closed = (
        seen.filter(stage__in=[Stage.WON, Stage.LOST], closed_on__gte=since, closed_on__lte=today)
        .order_by()
        .values("owner")
        .annotate(won=Count("pk", filter=Q(stage=Stage.WON)), closed=Count("pk"))
    )
    counts = {row["owner"]: (row["won"], row["closed"]) for row in closed}
    baseline_won = sum(won for won, _closed in counts.values())
    baseline_closed = sum(closed for _won, closed in counts.values())
    baseline = _rate(baseline_won, baseline_closed) if baseline_closed >= MIN_CLOSED else None

    def rate_of(owner: int) -> WinRate:
        won, closed = counts.get(owner, (0, 0))
        factor = _ONE
        if baseline and closed >= MIN_CLOSED:
            factor = (_rate(won, closed) / baseline).quantize(_CENT, rounding=ROUND_HALF_UP)
        return WinRate(owner, won, closed, factor)

    opportunities = (
        seen.filter(stage__in=OPEN_STAGES)
        .select_related("owner", "customer")
        .only(
            "name",
            "stage",
            "amount",
            "probability",
            "expected_close_on",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
            "customer__name",
        )
        .order_by("expected_close_on", "pk")
    )
    rates, dated, undated = {}, [], []
    for opportunity in opportunities:
        rate = rates.get(opportunity.owner_id) or rates.setdefault(opportunity.owner_id, rate_of(opportunity.owner_id))
        deal = Deal(opportunity, rate.factor)
        (dated if opportunity.expected_close_on else undated).append(deal)

    months, owners, names = defaultdict(list), defaultdict(list), {}
    for deal in dated:
        owners[deal.opportunity.owner_id].append(deal)
        names[deal.opportunity.owner_id] = str(deal.opportunity.owner)
        months[deal.opportunity.expected_close_on.replace(day=1)].append(deal)
    this_month = today.replace(day=1)
    by_month = [
        _bucket(month, bucket_label(month, "month"), months[month], past=month < this_month) for month in sorted(months)
    ]
    by_owner = sorted(
        (_bucket(owner, names[owner], deals, rate=rates[owner]) for owner, deals in owners.items()),
        key=lambda bucket: (-bucket.weighted, bucket.label),
    )
    return Forecast(today, since, baseline_won, baseline_closed, dated, undated, by_month, by_owner)
