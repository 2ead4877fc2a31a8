from .reports import ReportSchedule, SavedReport
from .targets import PeriodKind, SubjectKind, Target, TargetMetric

__all__ = ["PeriodKind", "ReportSchedule", "SavedReport", "SubjectKind", "Target", "TargetMetric"]
