"""Huey jobs of crm: load by id or date, call a service, safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services_contracts import contracts_expire_due


@db_periodic_task(crontab(hour="0", minute="5"))
@lock_task("crm-expire-contracts")
def expire_contracts():
    """Just after midnight: contracts in force whose end date is over become expired."""
    contracts_expire_due()
