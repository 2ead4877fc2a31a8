"""What reacts to events. Each subscriber runs once per event, through the outbox."""

from django.db import transaction

from gendan.core.models import Event

from .jobs.webhooks import send_webhook_deliveries
from .outbox import subscribe
from .rules.matching import handle_event
from .webhooks import fan_out


@subscribe("rules")
def run_rules(event: Event) -> None:
    handle_event(event)


@subscribe("webhooks")
def queue_webhook_deliveries(event: Event) -> None:
    due = fan_out(event)
    if due:
        transaction.on_commit(lambda: send_webhook_deliveries(due))
