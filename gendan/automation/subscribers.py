"""What reacts to events. Each subscriber runs once per event, through the outbox."""

from gendan.core.models import Event

from .outbox import subscribe
from .rules.matching import handle_event


@subscribe("rules")
def run_rules(event: Event) -> None:
    handle_event(event)
