"""The metrics: each number defined once, for every dashboard, report, alert and the API."""

from .base import COUNT, DAYS, MONEY, PERCENT, UNITS, Metric, Part, Result, Row
from .definitions import METRIC_LIST
from .groupings import GROUP_BYS
from .periods import COMPARES, MAX_PERIOD_DAYS, TIME_GROUPINGS, Period, company_today

# In the order they are listed.
METRICS: dict[str, Metric] = {metric.name: metric for metric in METRIC_LIST}


def get_metric(name: str) -> Metric:
    """The metric named `name`; KeyError if there is none."""
    return METRICS[name]


def metrics_for(user) -> list[Metric]:
    """The metrics `user` may see (gross margin only with the cost), in their order."""
    return [metric for metric in METRICS.values() if metric.visible_to(user)]


__all__ = [
    "COMPARES",
    "COUNT",
    "DAYS",
    "GROUP_BYS",
    "MAX_PERIOD_DAYS",
    "METRICS",
    "MONEY",
    "PERCENT",
    "Metric",
    "Part",
    "Period",
    "Result",
    "Row",
    "TIME_GROUPINGS",
    "UNITS",
    "company_today",
    "get_metric",
    "metrics_for",
]
