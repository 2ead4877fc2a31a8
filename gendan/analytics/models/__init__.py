from .reports import ReportSchedule, SavedReport

__all__ = ["ReportSchedule", "SavedReport"]
