"""The analytics app's records: one module per area."""

from .alerts import Alert, AlertCompare, AlertKind, AlertPeriod, AlertRule
from .reports import ReportSchedule, SavedReport
from .targets import PeriodKind, SubjectKind, Target, TargetMetric

__all__ = [
    "Alert",
    "AlertCompare",
    "AlertKind",
    "AlertPeriod",
    "AlertRule",
    "PeriodKind",
    "ReportSchedule",
    "SavedReport",
    "SubjectKind",
    "Target",
    "TargetMetric",
]
