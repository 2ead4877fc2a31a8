"""What reacts to events. Each subscriber runs once per event, through the outbox."""

from gendan.core.models import Event

from .outbox import subscribe


@subscribe("rules")
def run_rules(event: Event) -> None:
    from .rules import handle_event

    handle_event(event)
