"""The analytics app's records: one module per area."""

from .alerts import Alert, AlertCompare, AlertKind, AlertPeriod, AlertRule

__all__ = ["Alert", "AlertCompare", "AlertKind", "AlertPeriod", "AlertRule"]
