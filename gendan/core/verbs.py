"""What each event verb is called, registered by the app that records it.

core records events but knows none of their verbs: each app tells it, in its AppConfig.ready,
what its verbs are called in two voices — the `label` names what happened ("Order submitted",
for rule sentences and pickers) and the `activity` says what someone did ("submitted the
order", under the actor on a timeline) — and which record types the verb happens to: the
record it is recorded on, and those it belongs to (an invoice's events count for its order).
"""

from dataclasses import dataclass

from django.utils.text import capfirst

# `happens_to` value for verbs about any record (a task's events belong to the task's record).
ANY_RECORD = "*"


@dataclass(frozen=True)
class Verb:
    code: str
    label: str
    activity: str
    happens_to: tuple[str, ...]


_registry: dict[str, Verb] = {}

# The ending of the verbs that record the past (an import of history: "order.imported"), not something happening now.
PAST = ".imported"


def records_the_past(code: str) -> bool:
    """Whether `code` records what happened before the record came in: its dates are behind us."""
    return code.endswith(PAST)


def register(code: str, label, record_type: str, *, activity=None, also_for: tuple[str, ...] = ()) -> None:
    """Name `code`, recorded on `record_type` records ("sales.order") and counting for `also_for` too."""
    _registry[code] = Verb(code, label, activity or label, (record_type, *also_for))


def register_many(record_type: str, verbs: dict, *, also_for: tuple[str, ...] = ()) -> None:
    """Several verbs of one record type: {code: (label, activity)}."""
    for code, (label, activity) in verbs.items():
        register(code, label, record_type, activity=activity, also_for=also_for)


def get(code: str) -> Verb | None:
    return _registry.get(code)


def label(code: str) -> str:
    """What happened, in words; a verb nobody registered reads as its words ("order.re_opened" → "Order re opened")."""
    verb = _registry.get(code)
    if verb is not None:
        return str(verb.label)
    return capfirst(code.replace(".", " ").replace("_", " "))


def activity(code: str) -> str:
    """What someone did, for a timeline; a verb nobody registered is shown as recorded."""
    verb = _registry.get(code)
    return str(verb.activity) if verb is not None else code


def for_record_type(record_type: str) -> list[Verb]:
    """The verbs that happen to records of `record_type`, its own first, in registration order."""
    own = [v for v in _registry.values() if v.happens_to[0] == record_type]
    related = [
        v
        for v in _registry.values()
        if v.happens_to[0] != record_type and (record_type in v.happens_to or ANY_RECORD in v.happens_to)
    ]
    return own + related


def every() -> list[Verb]:
    """Every registered verb, in registration order (a webhook's picker)."""
    return list(_registry.values())
