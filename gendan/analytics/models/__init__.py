"""The analytics app's records: one module per area."""

from .alerts import Alert, AlertCompare, AlertKind, AlertPeriod, AlertRule
from .reports import ReportSchedule, SavedReport
from .rollups import DailyFigure, RollupState, StaleRecord
from .targets import PeriodKind, SubjectKind, Target, TargetMetric

__all__ = [
    "Alert",
    "AlertCompare",
    "AlertKind",
    "AlertPeriod",
    "AlertRule",
    "DailyFigure",
    "PeriodKind",
    "ReportSchedule",
    "RollupState",
    "SavedReport",
    "StaleRecord",
    "SubjectKind",
    "Target",
    "TargetMetric",
]
