"""How an app low in the stack gets work done by an app above it, without importing it.

Imports go one way, down the stack (docs/ARCHITECTURE.md). When a lower app needs something
only a higher one knows, the lower app declares the need here or in its own module, and the
higher app fills it in its AppConfig.ready():

- `on_recorded(verb, handler)`: work that must happen in the same transaction as an event
  (a follow-up settles the reminders it answers; a cancelled order drops its pending
  shipments). `events.record` calls `notify_recorded` right after it writes the event, so a
  rolled-back savepoint takes the subscribers' work with it. Work that may wait for the commit
  goes through the outbox instead (`events.on_events_committed`).
- `Port`: one question a lower app asks and one app above answers (who owns a record that
  arrives without an owner). Until an answer is provided, the port gives its default.
"""

from collections import defaultdict
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

# verb -> the handlers called, in registration order, with (event, actor=..., obj=...).
_subscribers: defaultdict[str, list[Callable]] = defaultdict(list)


def on_recorded(verb: str, handler: Callable) -> None:
    """Call `handler(event, *, actor, obj)` whenever an event `verb` is recorded, inside its transaction.

    `actor` and `obj` are the ones the service passed to `record`, so a handler needs no query to
    reload them. A handler that raises makes the service fail: both or neither.
    """
    if handler not in _subscribers[verb]:
        _subscribers[verb].append(handler)


def notify_recorded(event, *, actor, obj) -> None:
    for handler in _subscribers.get(event.verb, ()):
        handler(event, actor=actor, obj=obj)


class Port:
    """One function a lower app calls and one app above it provides (in its AppConfig.ready())."""

    def __init__(self, name: str, default: Callable):
        self.name = name
        self._default = default
        self._provider: Callable | None = None

    def provide(self, provider: Callable) -> None:
        if self._provider is not None and self._provider is not provider:
            raise ImproperlyConfigured(f"{self.name} is already provided by {self._provider.__module__}")
        self._provider = provider

    def __call__(self, *args, **kwargs):
        return (self._provider or self._default)(*args, **kwargs)


def _nobody(record_type: str, *, region: str = "", actor=None):
    return None


# The owner for a new record ("crm.customer", "crm.lead", "sales.order") that arrives without one,
# chosen by automation's active assignment rule; None (the caller keeps its own default) when
# nothing is provided, no rule is active or it has nobody to choose from. Called in the creating
# transaction: the rule's rotation moves with the record or not at all.
assign_owner = Port("assign_owner", default=_nobody)
