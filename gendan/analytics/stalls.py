"""Where work stalls (ANA-4): the days orders spend in each stage of their road and deals at each stage of the
funnel, who they wait on, what is waiting in each stage now, the rework, and the overdue tasks by stage and by person.

Every figure is a metric's (the stage metrics read the event log, gendan.analytics.metrics.stages) or a count of the
order list's own filters, so that each number opens the list that shows exactly what it counts.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils.http import urlencode

from gendan.crm.filters import OpportunityFilter
from gendan.crm.models import Opportunity
from gendan.sales.filters import OrderFilter
from gendan.sales.models import Order, OrderStatus

from .drilldown import drill_url
from .metrics import Period, Result, get_metric
from .metrics import records as metric_records
from .metrics.groupings import OWNER
from .metrics.stages import DEAL_STAGES, ORDER_STAGES, DealStage, Stage, stage_metric_name


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    result: Result
    # The orders in the stage now, and the order list that shows them (the stages page only).
    waiting: int | None = None
    waiting_url: str | None = None


def stage_results(user, period: Period, compare: str | None, stages=ORDER_STAGES) -> list[StageRow]:
    """Each stage's average days over the period, against the compared one."""
    return [
        StageRow(stage, get_metric(stage_metric_name(stage)).compute(user, period.start, period.end, compare=compare))
        for stage in stages
    ]


# The list, and its filters, that shows the records in a stage now.
_LISTS = {Stage: (OrderFilter, Order), DealStage: (OpportunityFilter, Opportunity)}


def stage_times(user, period: Period, compare: str | None, stages=ORDER_STAGES) -> list[StageRow]:
    """Each stage's average days, and the orders (or deals) in it now."""
    rows = []
    for row in stage_results(user, period, compare, stages):
        filterset, model = _LISTS[type(row.stage)]
        waiting = filterset(row.stage.waiting, queryset=model.objects.visible_to(user)).qs.count()
        url = f"{reverse(row.stage.list_name)}?{urlencode(row.stage.waiting, doseq=True)}"
        rows.append(StageRow(row.stage, row.result, waiting, url))
    return rows


def slowest(rows: list[StageRow]) -> StageRow | None:
    """The stage orders spent longest in over the period; None when none left any stage."""
    timed = [row for row in rows if row.result.total is not None]
    return max(timed, key=lambda row: row.result.total) if timed else None


@dataclass(frozen=True)
class PersonRow:
    key: object
    label: str
    days: list


def stage_times_by_owner(user, period: Period) -> list[PersonRow]:
    """Each owner's average days in each stage over the period: one row per owner who had an order leave a stage."""
    by_stage = [
        {
            row.key: row
            for row in get_metric(stage_metric_name(stage)).compute(user, period.start, period.end, group_by=OWNER).rows
        }
        for stage in ORDER_STAGES
    ]
    owners = {}
    for rows in by_stage:
        for key, row in rows.items():
            owners.setdefault(key, row.label)
    return sorted(
        (
            PersonRow(key, label, [rows[key].value if key in rows else None for rows in by_stage])
            for key, label in owners.items()
        ),
        key=lambda person: person.label,
    )


@dataclass(frozen=True)
class OverdueRow:
    key: str
    label: object
    count: int


def overdue_by_stage(user) -> list[OverdueRow]:
    """The overdue tasks the reader sees, by the stage of the order they are about (its status now); tasks about
    other records (a customer, an invoice) by the kind of record."""
    order_type = ContentType.objects.get_for_model(Order)
    tasks = metric_records.overdue_tasks(user)
    on_orders = (
        tasks.filter(content_type=order_type)
        .annotate(stage=Subquery(Order.objects.filter(pk=OuterRef("object_id")).values("status")[:1]))
        .values("stage")
        .annotate(count=Count("pk"))
    )
    statuses = dict(OrderStatus.choices)
    rows = [OverdueRow(row["stage"] or "", statuses.get(row["stage"], "—"), row["count"]) for row in on_orders]
    others = tasks.exclude(content_type=order_type).values("content_type").annotate(count=Count("pk"))
    for row in others:
        kind = ContentType.objects.get_for_id(row["content_type"]) if row["content_type"] else None
        label = kind.model_class()._meta.verbose_name if kind and kind.model_class() else "—"
        rows.append(OverdueRow(f"type-{row['content_type']}", label, row["count"]))
    return sorted(rows, key=lambda row: -row.count)


@dataclass(frozen=True)
class PersonCount:
    label: str
    count: int
    url: str | None


def overdue_by_person(user, period: Period) -> list[PersonCount]:
    """Overdue tasks by the person they are assigned to (counted now: the period changes nothing), each with the
    task list that shows them."""
    result = get_metric("overdue_tasks").compute(user, period.start, period.end, group_by=OWNER)
    return [
        PersonCount(
            row.label, row.value, drill_url("overdue_tasks", period.start, period.end, group_by=OWNER, key=row.key)
        )
        for row in sorted(result.rows, key=lambda row: -row.value)
    ]


def rework_by_owner(user, period: Period, compare: str | None) -> Result:
    return get_metric("rework").compute(user, period.start, period.end, group_by=OWNER, compare=compare)


def deal_stage_times(user, period: Period, compare: str | None) -> list[StageRow]:
    """The funnel's stages, for those who see deals."""
    return stage_times(user, period, compare, DEAL_STAGES) if user.has_perm("crm.view_opportunity") else []
