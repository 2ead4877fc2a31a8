"""The stages of an order's road and of a deal's funnel, and the time spent in each, read from the event log.

A stage is entered by one of its `entered` verbs and left by one of its `left` verbs (the order's own events, or its
children's: an invoice issued for it). A passage through a stage is the first leaving event after an entry, placed
in a period by the moment it left; its time is from the last entry before it. Orders that leave a stage without
having entered it (an invoice issued before delivery) pass no time in it and are not counted; time on hold counts,
because the customer waited all the same.

A deal (商机) leaves a stage by `opportunity.stage_changed` naming it as "from"; it entered it by the last change, or
its creation, naming it as "stage".
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import DateField, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Trunc
from django.utils.translation import pgettext_lazy

from gendan.core.models import Event
from gendan.crm.models import OPEN_STAGES, Opportunity
from gendan.crm.models import Stage as DealStageName
from gendan.sales.models import Order

from .groupings import CUSTOMER, OWNER, REGION, TEAM
from .periods import company_zone

REWORK_VERBS = ("order.change_applied", "order.rejected")
# Verbs recorded on a child of the order (root_type/root_id name the order), not on the order itself.
_CHILD_VERBS = frozenset({"invoice.issued"})


@dataclass(frozen=True)
class Stage:
    """A stage of an order's road."""

    key: str
    label: object
    entered: tuple
    left: tuple
    # The order list's filters that show the orders in this stage now.
    waiting: dict
    list_name = "sales:order_list"
    metric_prefix = "stage_"
    record_model = Order

    def records(self, user):
        """The passages through this stage of the orders `user` sees, each an event (the leaving) annotated with
        `entered_at` and the order's owner, team, customer and region (the groupings' paths)."""
        order_type = ContentType.objects.get_for_model(Order)
        leaving = _of_orders(Event.objects.all(), self.left, order_type).annotate(
            order_id=Coalesce("root_id", "object_id")
        )
        entries = _of_orders(Event.objects.all(), self.entered, order_type, order=OuterRef("order_id")).filter(
            occurred_at__lte=OuterRef("occurred_at")
        )
        earlier_leaving = _of_orders(Event.objects.all(), self.left, order_type, order=OuterRef("order_id")).filter(
            occurred_at__lt=OuterRef("occurred_at"), occurred_at__gte=OuterRef("entered_at")
        )
        passages = (
            leaving.filter(order_id__in=Order.objects.visible_to(user).values("pk"))
            .annotate(entered_at=Subquery(entries.order_by("-occurred_at").values("occurred_at")[:1]))
            .filter(entered_at__isnull=False)
            .exclude(Exists(earlier_leaving))
        )
        return _with_order_paths(passages)

    def days_left(self, touched: dict) -> set:
        """The company days the touched orders left this stage on (their passages' days, in the daily figures)."""
        ids = touched.get(Order, [])
        if not ids:
            return set()
        order_type = ContentType.objects.get_for_model(Order)
        if set(self.left) <= _CHILD_VERBS:
            return _days_of(Event.objects.filter(root_type=order_type, verb__in=self.left), "root_id", ids)
        return _days_of(Event.objects.filter(content_type=order_type, verb__in=self.left), "object_id", ids)


_CHUNK = 5_000


def _days_of(events, record_field: str, ids: list) -> set:
    """The company days of `events` of the records `ids` (through the event log's index of each record's events)."""
    day = Trunc("occurred_at", "day", output_field=DateField(), tzinfo=company_zone())
    days = set()
    for start in range(0, len(ids), _CHUNK):
        found = events.filter(**{f"{record_field}__in": ids[start : start + _CHUNK]})
        days.update(found.annotate(left_on=day).values_list("left_on", flat=True).distinct().order_by())
    return days


def rework(user):
    """The times an order went back a step, for the orders `user` sees: a change applied after confirmation, or a
    submission an approver sent back. Events, with the order's groupings like a stage's passages."""
    order_type = ContentType.objects.get_for_model(Order)
    # Scoped by a probe of each event's order, not `object_id IN (the orders seen)`: SQLite, without statistics,
    # walked that list through the order's events (every order, for an administrator) instead of reading the
    # period's events of the two verbs.
    events = _of_orders(Event.objects.all(), REWORK_VERBS, order_type).filter(
        Exists(Order.objects.visible_to(user).filter(pk=OuterRef("object_id")))
    )
    return _with_order_paths(events.annotate(order_id=F("object_id")))


def _with_order_paths(events):
    order = Order.objects.filter(pk=OuterRef("order_id"))
    return events.annotate(
        order_owner=Subquery(order.values("owner")[:1]),
        order_team=Subquery(order.values("owner__department")[:1]),
        order_customer=Subquery(order.values("customer")[:1]),
        order_region=Subquery(order.values("customer__region")[:1]),
    )


def _of_orders(events, verbs, order_type, order=None):
    """The events of `verbs` on orders (of the order `order` if given); every verb of a stage's side is of one
    kind, so that each lookup runs on one of the event log's indexes (a record's timeline, or its root's)."""
    if set(verbs) <= _CHILD_VERBS:
        found = events.filter(root_type=order_type, verb__in=verbs)
        return found if order is None else found.filter(root_id=order)
    assert not set(verbs) & _CHILD_VERBS, verbs
    found = events.filter(content_type=order_type, verb__in=verbs)
    return found if order is None else found.filter(object_id=order)


# Where each grouping's key is on a passage.
PATHS = {OWNER: "order_owner", TEAM: "order_team", CUSTOMER: "order_customer", REGION: "order_region"}

# The road in its order.
ORDER_STAGES = (
    Stage(
        "draft",
        pgettext_lazy("order stage", "Being entered"),
        entered=("order.created", "order.rejected"),
        left=("order.submitted",),
        waiting={"status": ["draft"]},
    ),
    Stage(
        "approval",
        pgettext_lazy("order stage", "Waiting for approval"),
        # Only orders that needed approval are approved or rejected: the others were confirmed as submitted.
        entered=("order.submitted",),
        left=("order.approved", "order.rejected"),
        waiting={"status": ["pending_approval"]},
    ),
    Stage(
        "to_ship",
        pgettext_lazy("order stage", "Waiting to ship"),
        entered=("order.confirmed",),
        left=("order.partially_shipped", "order.shipped"),
        waiting={"status": ["confirmed"]},
    ),
    Stage(
        "in_transit",
        pgettext_lazy("order stage", "In transit"),
        entered=("order.shipped",),
        left=("order.delivered",),
        waiting={"status": ["shipped"]},
    ),
    Stage(
        "to_invoice",
        pgettext_lazy("order stage", "Waiting for the invoice"),
        entered=("order.delivered",),
        left=("invoice.issued",),
        waiting={"status": ["delivered"], "billing_status": "not_invoiced"},
    ),
    Stage(
        "to_cash",
        pgettext_lazy("order stage", "Waiting for the money"),
        entered=("invoice.issued",),
        left=("order.paid",),
        waiting={"status": ["partially_shipped", "shipped", "delivered"], "billing_status": "invoiced"},
    ),
)
STAGES = {stage.key: stage for stage in ORDER_STAGES}


@dataclass(frozen=True)
class DealStage:
    """A stage of the deals' funnel."""

    key: str
    label: object
    list_name = "crm:opportunity_list"
    metric_prefix = "deal_stage_"
    record_model = Opportunity

    @property
    def waiting(self) -> dict:
        return {"stage": self.key}

    def _leaving(self):
        return Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Opportunity),
            verb="opportunity.stage_changed",
            data__from=self.key,
        )

    def days_left(self, touched: dict) -> set:
        """The company days the touched deals moved on from this stage on."""
        ids = touched.get(Opportunity, [])
        return _days_of(self._leaving(), "object_id", ids) if ids else set()

    def records(self, user):
        """The deals `user` sees leaving this stage, each an event annotated with `entered_at` and the deal's
        owner, team, customer and region."""
        deal_type = ContentType.objects.get_for_model(Opportunity)
        entries = Event.objects.filter(
            Q(verb="opportunity.stage_changed") | Q(verb="opportunity.created"),
            content_type=deal_type,
            object_id=OuterRef("object_id"),
            occurred_at__lte=OuterRef("occurred_at"),
            data__stage=self.key,
        )
        deal = Opportunity.objects.filter(pk=OuterRef("object_id"))
        return (
            self._leaving()
            .filter(object_id__in=Opportunity.objects.visible_to(user).values("pk"))
            .annotate(entered_at=Subquery(entries.order_by("-occurred_at").values("occurred_at")[:1]))
            .filter(entered_at__isnull=False)
            .annotate(
                order_owner=Subquery(deal.values("owner")[:1]),
                order_team=Subquery(deal.values("owner__department")[:1]),
                order_customer=Subquery(deal.values("customer")[:1]),
                order_region=Subquery(deal.values("customer__region")[:1]),
            )
        )


DEAL_STAGES = tuple(DealStage(stage, DealStageName(stage).label) for stage in OPEN_STAGES)


def stage_metric_name(stage) -> str:
    return f"{stage.metric_prefix}{stage.key}"
