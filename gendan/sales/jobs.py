"""Huey jobs of sales (imported by SalesConfig.ready()): call a service, safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services_quotations import quotations_expire_due


@db_periodic_task(crontab(minute="5"))
@lock_task("sales-expire-quotations")
def expire_quotations():
    """Hourly: sent quotations whose last valid day is over become expired (an indexed look-up, nothing if none)."""
    quotations_expire_due()
