from .targets import PeriodKind, SubjectKind, Target, TargetMetric

__all__ = ["PeriodKind", "SubjectKind", "Target", "TargetMetric"]
