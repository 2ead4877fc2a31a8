"""The funnel: of the opportunities entered in a period, how many reached each stage and how many of those went on.

A deal's stages are read from the event log: every `opportunity.stage_changed` event carries the stage it left and
the one it reached (`changes.stage`), and the deal's stage now counts too (a deal never moved is still where it was
entered). A deal reached a stage when it was ever at it or at a later one: one entered at the quote reached the lead,
the first visit and the proposal as well, and one moved back from negotiation to proposal still reached negotiation.
Lost is not a step of the funnel: a lost deal stops at the furthest stage it reached. Two queries, whatever the
number of deals: the deals, then their stage changes.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType

from gendan.core.models import Event
from gendan.crm.models import CLOSED_STAGES, OPEN_STAGES, Opportunity, Stage

from .metrics import Period

# The steps in order; won is the last.
STEPS = [*OPEN_STAGES, Stage.WON]
_POSITION = {stage: index for index, stage in enumerate(STEPS)}


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Step:
    stage: str
    label: str
    reached: int
    # Of those that reached it, how many are there now, still open, and how many were lost after it.
    open_here: int
    lost_here: int
    # How many reached the next step (None for won).
    went_on: int | None

    @property
    def conversion(self) -> Decimal | None:
        """The share that went on to the next step, in percent."""
        return None if self.went_on is None else _percent(self.went_on, self.reached)


@dataclass(frozen=True)
class Funnel:
    start: datetime.date
    end: datetime.date
    entered: int
    steps: list

    @property
    def win_rate(self) -> Decimal | None:
        """Of the deals entered, the share won so far."""
        return _percent(self.steps[-1].reached, self.entered)


def funnel(user, *, start: datetime.date, end: datetime.date) -> Funnel:
    """The funnel of the opportunities `user` sees that were entered from `start` to `end` (company days)."""
    first, after = Period(start, end).moments()
    deals = dict(
        Opportunity.objects.visible_to(user)
        .filter(created_at__gte=first, created_at__lt=after)
        .order_by()
        .values_list("pk", "stage")
    )
    # Every deal entered is in the funnel: at least at its first step, even lost before it was ever moved.
    furthest = {pk: _POSITION.get(stage, 0) for pk, stage in deals.items()}
    if deals:
        moves = Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Opportunity),
            object_id__in=list(deals),
            verb="opportunity.stage_changed",
        ).values_list("object_id", "changes")
        for pk, changes in moves:
            for stage in changes.get("stage", ()):
                furthest[pk] = max(furthest[pk], _POSITION.get(stage, 0))
    reached = [sum(1 for position in furthest.values() if position >= index) for index in range(len(STEPS))]
    steps = []
    for index, stage in enumerate(STEPS):
        stopped = [pk for pk, position in furthest.items() if position == index]
        steps.append(
            Step(
                stage=stage,
                label=str(Stage(stage).label),
                reached=reached[index],
                open_here=sum(1 for pk in stopped if deals[pk] not in CLOSED_STAGES),
                lost_here=sum(1 for pk in stopped if deals[pk] == Stage.LOST),
                went_on=reached[index + 1] if index + 1 < len(STEPS) else None,
            )
        )
    return Funnel(start, end, len(deals), steps)
