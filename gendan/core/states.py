"""Transition tables: which status may follow which, one guard and one move for every document.

Each document's model declares its table as a `StateMachine`; its services move a record
with `machine.move(...)`, which refuses a step the table does not hold (with the code
`transition_not_allowed`), saves the new status, bumps the version of a versioned record and
records the event with the old and new status. A dict and one guard are clearer than a
state-machine framework, and the UI can ask the same table which steps exist.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from . import events
from .errors import ApplicationError, ErrorCode
from .models import VersionedModel


@dataclass(frozen=True)
class StateMachine:
    # status -> the statuses that may follow it.
    table: Mapping[str, set[str]]
    # The refusal, with %(current)s and %(new)s: "An order that is %(current)s cannot become %(new)s."
    refused: str
    field: str = "status"

    def allows(self, current: str, target: str) -> bool:
        return target in self.table.get(current, ())

    def check(self, obj, target: str) -> None:
        current = getattr(obj, self.field)
        if not self.allows(current, target):
            labels = dict(type(obj)._meta.get_field(self.field).flatchoices)
            raise ApplicationError(
                self.refused % {"current": labels.get(current, current), "new": labels.get(target, target)},
                ErrorCode.TRANSITION_NOT_ALLOWED,
                {self.field: current, "target": target},
            )

    def move(self, obj, target: str, *, actor, verb: str, extra_fields=(), data=None, root=None) -> str:
        """Move `obj` (locked by the caller) to `target`, save it and record `verb`; returns the old status."""
        self.check(obj, target)
        old = getattr(obj, self.field)
        setattr(obj, self.field, target)
        fields = [self.field, "updated_at", *extra_fields]
        if isinstance(obj, VersionedModel):
            obj.version += 1
            fields.append("version")
        obj.save(update_fields=fields)
        events.record(actor, verb, obj, changes={self.field: [old, target]}, data=data, root=root)
        return old
