"""Targets against actuals: who sees and sets which targets, and what each subject achieved, from the metrics.

A reader sees the targets of the subjects whose every record is within their data scope, so that the actual shown
beside a target is the subject's whole figure, never the part of it the reader happens to see: the company's targets
with the whole company in sight (scope "all"), a team's with the team in sight (its department head, its own leader),
a rep's with the rep in sight (themself, their leaders). A rep sees their own targets only; the company's total is
not theirs to read.

Actuals are the metric's own (`Metric.compute` by owner, once per metric and period, whatever the number of targets):
a rep's is their row, a team's the rows of the people in it and the teams below it (their department as it is now, as
the metric's grouping by team reads it), the company's the total.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from gendan.accounts.models import Department
from gendan.accounts.roles import DataScope, Role

from .metrics import MONEY, Metric, get_metric
from .metrics.groupings import OWNER
from .metrics.periods import MONTH
from .models import PeriodKind, SubjectKind, Target, TargetMetric
from .models.targets import period_dates, period_label

SET_TARGET = "analytics.set_target"
# The people listed under their team even before they sell anything: those whose work is selling.
SELLERS = (Role.SALES_REP, Role.SALES_MANAGER, Role.ORDER_FOLLOWER)
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class TargetPeriod:
    """A year, a quarter of it or a month of it: what a target is set for."""

    kind: str
    year: int
    quarter: int | None = None
    month: int | None = None

    @classmethod
    def of(cls, target: Target) -> "TargetPeriod":
        return cls(target.period, target.year, target.quarter, target.month)

    @classmethod
    def matching(cls, start: datetime.date, end: datetime.date) -> "TargetPeriod | None":
        """The year, quarter or month from `start` to `end` exactly; None for any other period."""
        candidates = [cls(PeriodKind.YEAR, start.year)]
        candidates.append(cls(PeriodKind.QUARTER, start.year, quarter=(start.month - 1) // 3 + 1))
        candidates.append(cls(PeriodKind.MONTH, start.year, month=start.month))
        return next((each for each in candidates if each.dates() == (start, end)), None)

    def dates(self) -> tuple[datetime.date, datetime.date]:
        return period_dates(self.kind, self.year, self.quarter, self.month)

    @property
    def label(self) -> str:
        return period_label(self.kind, self.year, self.quarter, self.month)

    def targets(self, queryset):
        return queryset.filter(period=self.kind, year=self.year, quarter=self.quarter, month=self.month)


# --- the department tree and what a reader has in sight -------------------------------------------


@dataclass(frozen=True)
class Tree:
    """Every department, read in one query: names, parents, and the teams below each."""

    names: dict
    children: dict

    @classmethod
    def read(cls) -> "Tree":
        names, children = {}, defaultdict(list)
        for pk, name, parent in Department.objects.order_by("name", "pk").values_list("pk", "name", "parent_id"):
            names[pk] = name
            children[parent].append(pk)
        return cls(names, dict(children))

    def subtree(self, pk: int) -> list[int]:
        """The department and every team below it, each above its own teams, alphabetically among siblings."""
        found = [pk]
        for child in self.children.get(pk, ()):
            found.extend(self.subtree(child))
        return found

    def with_depth(self, roots) -> list[tuple[int, int]]:
        found = []

        def walk(pk, depth):
            found.append((pk, depth))
            for child in self.children.get(pk, ()):
                walk(child, depth + 1)

        for root in roots:
            walk(root, 0)
        return found


@dataclass(frozen=True)
class Sight:
    """The subjects whose every record `user` sees: the company (scope all), teams, and the people in them."""

    user: object
    tree: Tree
    company: bool
    roots: tuple
    teams: frozenset

    @classmethod
    def of(cls, user, tree: Tree | None = None) -> "Sight":
        tree = tree or Tree.read()
        scope = user.data_scope
        if scope == DataScope.ALL:
            roots = tuple(tree.children.get(None, ()))
            return cls(user, tree, True, roots, frozenset(tree.names))
        if scope == DataScope.OWN or user.department_id is None:
            return cls(user, tree, False, (), frozenset())
        if scope == DataScope.TEAM:
            return cls(user, tree, False, (user.department_id,), frozenset({user.department_id}))
        return cls(user, tree, False, (user.department_id,), frozenset(tree.subtree(user.department_id)))

    def sees_rep(self, person) -> bool:
        return self.company or person.pk == self.user.pk or person.department_id in self.teams

    def sees(self, subject: str, team_id: int | None, person) -> bool:
        if subject == SubjectKind.COMPANY:
            return self.company
        if subject == SubjectKind.TEAM:
            return team_id in self.teams
        return self.sees_rep(person)

    def target_condition(self) -> Q:
        if self.company:
            return Q()
        return Q(team_id__in=self.teams) | Q(owner__department_id__in=self.teams) | Q(owner_id=self.user.pk)

    def top(self) -> tuple[str, int | None]:
        """The subject that is the reader's whole scope: the company, their department (or team), or themself."""
        if self.company:
            return SubjectKind.COMPANY, None
        if self.roots:
            return SubjectKind.TEAM, self.roots[0]
        return SubjectKind.REP, self.user.pk


def may_set(user, subject: str, team_id: int | None, person, sight: Sight | None = None) -> bool:
    """Whether `user` may set a target for the subject: with the permission, the company as someone who oversees the
    whole company, a team below the department they head, a rep of the teams they lead or head — never themself nor
    their own department unless they oversee the company."""
    if not user.has_perm(SET_TARGET):
        return False
    sight = sight or Sight.of(user)
    if sight.company:
        return True
    if subject == SubjectKind.COMPANY:
        return False
    if subject == SubjectKind.TEAM:
        # Their own department's target is set above them, as their own is.
        return user.data_scope == DataScope.DEPARTMENT and team_id in sight.teams and team_id != user.department_id
    return person is not None and person.pk != user.pk and person.department_id in sight.teams


def target_metrics_for(user) -> list[str]:
    """The target metrics whose figures `user` may see."""
    return [name for name in TargetMetric.values if get_metric(name).visible_to(user)]


def targets_visible_to(user, sight: Sight | None = None):
    """The targets of the subjects in `user`'s sight, of the metrics they may see."""
    if not user.is_authenticated or not user.is_active:
        return Target.objects.none()
    sight = sight or Sight.of(user)
    return Target.objects.filter(sight.target_condition(), metric__in=target_metrics_for(user))


# --- actuals ------------------------------------------------------------------------------------------


def attainment(actual, target) -> Decimal | None:
    """Actual in percent of the target, to a tenth; None without a target or against a target of nothing."""
    if target is None or not target:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(_TENTH, rounding=ROUND_HALF_UP)


@dataclass
class Figures:
    """A metric's figures over one period in the reader's scope: the total and each owner's, and whose team each
    owner is in."""

    metric: Metric
    total: object
    by_owner: dict
    departments: dict = field(default_factory=dict)

    def of(self, subject: str, key: int | None, tree: Tree):
        if subject == SubjectKind.COMPANY:
            return self.total
        if subject == SubjectKind.REP:
            return self.by_owner.get(key, zero(self.metric))
        teams = set(tree.subtree(key))
        found = (value for pk, value in self.by_owner.items() if self.departments.get(pk) in teams)
        return sum(found, zero(self.metric))


def zero(metric: Metric):
    """Nothing, in the metric's unit: 0.00 of money, 0 of a count."""
    return Decimal("0.00") if metric.unit == MONEY else 0


def _figures(user, metric: Metric, start: datetime.date, end: datetime.date) -> Figures:
    result = metric.compute(user, start, end, group_by=OWNER)
    return Figures(metric, result.total, {row.key: row.value for row in result.rows})


def _people(ids, sight: Sight | None = None) -> dict:
    """{pk: user} of `ids`, and of the sellers in the teams in `sight`: one query."""
    condition = Q(pk__in=[pk for pk in ids if pk is not None])
    if sight is not None and sight.teams:
        condition |= Q(is_active=True, role__in=SELLERS, department_id__in=sight.teams)
    people = get_user_model().objects.filter(condition).only("username", "first_name", "last_name", "department")
    return {person.pk: person for person in people}


def target_actuals(user, targets) -> dict:
    """{target pk: actual} for `targets` (already in `user`'s sight): one computation per metric and period."""
    targets = list(targets)
    if not targets:
        return {}
    groups = defaultdict(list)
    for target in targets:
        groups[(target.metric, TargetPeriod.of(target))].append(target)
    figures = {
        key: _figures(user, get_metric(key[0]), *key[1].dates())
        for key in groups
        if get_metric(key[0]).visible_to(user)
    }
    tree = Tree.read() if any(target.subject == SubjectKind.TEAM for target in targets) else None
    if tree is not None:
        owners = set().union(*(found.by_owner for found in figures.values()))
        departments = {pk: person.department_id for pk, person in _people(owners).items()}
        for found in figures.values():
            found.departments = departments
    actuals = {}
    for key, members in groups.items():
        for target in members:
            subject_key = target.team_id if target.subject == SubjectKind.TEAM else target.owner_id
            actuals[target.pk] = figures[key].of(target.subject, subject_key, tree)
    return actuals


class AgainstTarget:
    """A row with a `target` (None without one) and its `actual`: the amount, the gap and the attainment."""

    @property
    def amount(self):
        return self.target.amount if self.target is not None else None

    @property
    def gap(self):
        return None if self.target is None else self.target.amount - self.actual

    @property
    def attainment(self) -> Decimal | None:
        return attainment(self.actual, self.amount)

    @property
    def bar(self) -> int:
        """The attainment as the width of a bar, in percent: full at 100 and beyond."""
        return max(0, min(100, int(self.attainment or 0)))


@dataclass(frozen=True)
class Standing(AgainstTarget):
    """One subject's row: its target (None without one), what it achieved, and how deep it sits in the tree."""

    subject: str
    key: int | None
    label: str
    actual: object
    target: Target | None = None
    depth: int = 0
    team: int | None = None
    editable: bool = False
    mine: bool = False
    # A team with teams below it: its figures are theirs added up, so it is not ranked beside them.
    has_teams: bool = False


@dataclass(frozen=True)
class Board:
    metric: Metric
    start: datetime.date
    end: datetime.date
    period: TargetPeriod | None
    rows: list
    may_edit: bool

    @property
    def reps(self) -> list[Standing]:
        return [row for row in self.rows if row.subject == SubjectKind.REP]

    @property
    def teams(self) -> list[Standing]:
        return [row for row in self.rows if row.subject == SubjectKind.TEAM]

    @property
    def leaf_teams(self) -> list[Standing]:
        return [row for row in self.teams if not row.has_teams]


def ranked(rows: list) -> list[tuple[int, Standing]]:
    """(rank, row) from the largest actual down; equal actuals share a rank and the next rank skips (1, 1, 3)."""
    ordered = sorted(rows, key=lambda row: (-row.actual, row.label, row.key or 0))
    found, rank = [], 0
    for index, row in enumerate(ordered):
        if index == 0 or row.actual != ordered[index - 1].actual:
            rank = index + 1
        found.append((rank, row))
    return found


def board(user, *, metric: str, start: datetime.date, end: datetime.date, sight: Sight | None = None) -> Board:
    """The company (for those who oversee it), then each team in sight with the reps in it, each with what it
    achieved between `start` and `end` and, when that is a target's period, its target."""
    sight = sight or Sight.of(user)
    found = get_metric(metric)
    period = TargetPeriod.matching(start, end)
    targets = list(period.targets(targets_visible_to(user, sight).filter(metric=metric))) if period else []
    figures = _figures(user, found, start, end)
    # The reader among the people of their own scope, with nothing sold yet; not someone overseeing the company.
    yourself = () if sight.company else (user.pk,)
    people = _people({*figures.by_owner, *(t.owner_id for t in targets), *yourself}, sight)
    figures.departments = {pk: person.department_id for pk, person in people.items()}
    by_subject = {(t.subject, t.team_id or t.owner_id): t for t in targets}
    members = defaultdict(list)
    for person in sorted(people.values(), key=lambda each: (str(each), each.pk)):
        if sight.sees_rep(person):
            members[person.department_id if person.department_id in sight.teams else None].append(person)

    def row(subject, key, label, depth=0, team=None, person=None, has_teams=False):
        return Standing(
            subject=subject,
            key=key,
            label=label,
            actual=figures.of(subject, key, sight.tree),
            target=by_subject.get((subject, key)),
            depth=depth,
            team=team,
            editable=may_set(user, subject, key if subject == SubjectKind.TEAM else None, person, sight),
            mine=subject == SubjectKind.REP and key == user.pk,
            has_teams=has_teams,
        )

    rows = []
    if sight.company:
        rows.append(row(SubjectKind.COMPANY, None, _("Company")))
    for pk, depth in sight.tree.with_depth(sight.roots):
        rows.append(row(SubjectKind.TEAM, pk, sight.tree.names[pk], depth, has_teams=bool(sight.tree.children.get(pk))))
        rows.extend(
            row(SubjectKind.REP, person.pk, str(person), depth + 1, team=pk, person=person) for person in members[pk]
        )
    rows.extend(
        row(SubjectKind.REP, person.pk, str(person), 1 if sight.company else 0, person=person)
        for person in members[None]
    )
    return Board(found, start, end, period, rows, user.has_perm(SET_TARGET))


# --- a year at a glance ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow(AgainstTarget):
    period: TargetPeriod
    actual: object
    target: Target | None


@dataclass(frozen=True)
class YearPlan:
    subject: str
    key: int | None
    label: str
    rows: list


def year_plan(user, *, metric: str, year: int, sight: Sight | None = None) -> YearPlan:
    """The reader's whole scope (the company, their department or team, or themself) over `year`: each quarter with
    its months, then the year, each with its target and actual. The actuals are one computation by month: the
    reader's scope is the subject's records exactly."""
    sight = sight or Sight.of(user)
    subject, key = sight.top()
    found = get_metric(metric)
    start, end = TargetPeriod(PeriodKind.YEAR, year).dates()
    result = found.compute(user, start, end, group_by=MONTH)
    by_month = {datetime.date.fromisoformat(row.key).month: row.value for row in result.rows}
    targets = targets_visible_to(user, sight).filter(metric=metric, year=year, subject=subject)
    if subject == SubjectKind.TEAM:
        targets = targets.filter(team_id=key)
    elif subject == SubjectKind.REP:
        targets = targets.filter(owner_id=key)
    by_period = {TargetPeriod.of(target): target for target in targets}
    rows = []
    for quarter in range(1, 5):
        months = range((quarter - 1) * 3 + 1, quarter * 3 + 1)
        period = TargetPeriod(PeriodKind.QUARTER, year, quarter=quarter)
        rows.append(PlanRow(period, sum((by_month[m] for m in months), zero(found)), by_period.get(period)))
        for month in months:
            period = TargetPeriod(PeriodKind.MONTH, year, month=month)
            rows.append(PlanRow(period, by_month[month], by_period.get(period)))
    period = TargetPeriod(PeriodKind.YEAR, year)
    rows.append(PlanRow(period, result.total, by_period.get(period)))
    if subject == SubjectKind.COMPANY:
        label = _("Company")
    elif subject == SubjectKind.TEAM:
        label = sight.tree.names[key]
    else:
        label = str(user)
    return YearPlan(subject, key, label, rows)


# --- a target over any period, pro rata ----------------------------------------------------------------


class ProRata:
    """The targets of one metric, read once, spread over their days: a subject's target for any dates is the sum,
    day by day, of the finest target set for that day (its month's, else its quarter's, else its year's, each
    divided evenly over its days). A week's target is so the seven days' share of the month's."""

    def __init__(self, targets):
        self.daily = defaultdict(dict)
        finest = {}
        for target in targets:
            subject = (target.subject, target.team_id if target.subject == SubjectKind.TEAM else target.owner_id)
            first, last = TargetPeriod.of(target).dates()
            share = Decimal(target.amount) / ((last - first).days + 1)
            rank = _FINENESS[target.period]
            day = first
            while day <= last:
                if finest.get((subject, day), -1) < rank:
                    finest[(subject, day)] = rank
                    self.daily[subject][day] = share
                day += datetime.timedelta(days=1)

    def subjects(self, kind: str) -> list:
        return [key for subject, key in self.daily if subject == kind]

    def amount(self, kind: str, key, start: datetime.date, end: datetime.date) -> Decimal | None:
        """The subject's target from `start` to `end`; None when none of its days has one."""
        days = self.daily.get((kind, key), {})
        found = [share for day, share in days.items() if start <= day <= end]
        return sum(found, Decimal("0")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if found else None


_FINENESS = {PeriodKind.YEAR: 0, PeriodKind.QUARTER: 1, PeriodKind.MONTH: 2}


def pro_rata(user, metric: str, start: datetime.date, end: datetime.date, sight: Sight | None = None) -> ProRata:
    """The targets of `metric` in `user`'s sight for the years from `start` to `end`, ready to spread: one query."""
    found = targets_visible_to(user, sight).filter(metric=metric, year__gte=start.year, year__lte=end.year)
    return ProRata(found)
