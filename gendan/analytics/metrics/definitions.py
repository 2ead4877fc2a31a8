"""Every metric, defined once: the records it reads (records.py), the date that places them in a period, what a group
of them amounts to, and the sentence shown beside the number."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Round
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.core.models import Event
from gendan.core.money import SummedMoney
from gendan.crm.models import Customer, FollowUp, Lead, LeadStatus
from gendan.finance.models import CreditNote, Invoice, Payment, PaymentAllocation, Refund
from gendan.finance.receivables import DSO_DAYS, dso
from gendan.fulfillment.models import Shipment
from gendan.sales.models import Order, OrderLine, QuotationStatus

from . import records, rollups
from .base import COUNT, DAYS, MONEY, PERCENT, Metric, Part
from .groupings import CUSTOMER, OWNER, PRODUCT, REGION, TEAM
from .periods import TIME_GROUPINGS, company_today
from .rollups import Rollup
from .stages import DEAL_STAGES, ORDER_STAGES, rework, stage_metric_name
from .stages import PATHS as STAGE_PATHS

_MONEY = SummedMoney()


def _money(expression):
    return Sum(expression, output_field=_MONEY)


def _days_between(earlier: str, later: str):
    return Sum(ExpressionWrapper(F(later) - F(earlier), output_field=DurationField()))


def _owned(owner: str, customer: str = "") -> dict:
    """The paths of the groupings every record with an owner (and a customer) has."""
    paths = {OWNER: owner, TEAM: f"{owner}__department"}
    if customer:
        paths |= {CUSTOMER: customer, REGION: f"{customer}__region"}
    return paths


def _passages(stage) -> Part:
    """The passages through a stage (metrics.stages) as a ratio of days over passages."""
    return Part(
        "passages",
        stage.records,
        _days_between("entered_at", "occurred_at"),
        STAGE_PATHS,
        moment="occurred_at",
        denominator=Count("pk"),
        # A passage's day is the day its order (or deal) left the stage; its owner is the record's owner now.
        rollup=Rollup(Event, "order_owner", {stage.record_model: "object_id"}, days_of=stage.days_left),
    )


# --- the metrics --------------------------------------------------------------------------------

_ORDERS = ("sales.view_order",)
_INVOICES = ("finance.view_invoice",)
_LINES = {**_owned("order__owner", "order__customer"), PRODUCT: "product"}
_ORDER_PATHS = {**_owned("owner", "customer"), PRODUCT: "lines__product"}


@dataclass(frozen=True)
class DaysSalesOutstanding(Metric):
    """finance.receivables.dso, the ageing page's figure: as of today, whatever the period; not grouped."""

    def records(self, user, start, end, *, part=None, **filters):
        if filters:
            raise ValidationError({group_by: [self._unsupported(group_by)] for group_by in filters})
        return records.dso_invoices(user)

    def _total(self, user, sources, period):
        return dso(user=user, today=company_today())


METRIC_LIST = [
    Metric(
        name="sales",
        label=pgettext_lazy("metric", "Sales"),
        definition=_(
            "The amount of the orders confirmed in the period, by the moment each was confirmed: their lines after "
            "discount and before tax, so that the rows by product add up to the total. An order counts as it is now, "
            "changes applied since included; cancelled orders are left out, even when cancelled after the period."
        ),
        unit=MONEY,
        permissions=_ORDERS,
        parts=(
            Part(
                "lines",
                records.confirmed_lines,
                _money("amount"),
                _LINES,
                moment="order__confirmed_at",
                narrow=records.lines_confirmed_within,
                rollup=Rollup(OrderLine, "order__owner", {Order: "order"}),
            ),
        ),
    ),
    Metric(
        name="orders",
        label=pgettext_lazy("metric", "Orders"),
        definition=_(
            "The number of orders confirmed in the period, by the moment each was confirmed; cancelled orders are "
            "left out. By product: the orders with a line of it, so an order of several products counts under each."
        ),
        unit=COUNT,
        permissions=_ORDERS,
        overlapping=frozenset({PRODUCT}),
        parts=(
            Part(
                "orders",
                records.confirmed_orders,
                Count("pk", distinct=True),
                _ORDER_PATHS,
                moment="confirmed_at",
                to_many=(PRODUCT,),
                rollup=Rollup(Order, "owner", {Order: "pk"}),
            ),
        ),
    ),
    Metric(
        name="invoiced",
        label=pgettext_lazy("metric", "Invoiced"),
        definition=_(
            "The total, tax included, of the invoices issued in the period, by the moment each was issued. Drafts "
            "and cancelled invoices are left out; credit notes are not taken off (see Credited)."
        ),
        unit=MONEY,
        permissions=_INVOICES,
        parts=(
            Part(
                "invoices",
                records.issued_invoices,
                _money("total"),
                _owned("owner", "customer"),
                moment="issued_at",
                rollup=Rollup(Invoice, "owner", {Invoice: "pk", Order: "order"}),
            ),
        ),
    ),
    Metric(
        name="credited",
        label=pgettext_lazy("metric", "Credited"),
        definition=_(
            "The total, tax included, of the credit notes issued in the period, by the moment each was issued; "
            "drafts are left out."
        ),
        unit=MONEY,
        permissions=("finance.view_creditnote",),
        parts=(
            Part(
                "credit_notes",
                records.issued_credit_notes,
                _money("total"),
                _owned("owner", "customer"),
                moment="issued_at",
                rollup=Rollup(CreditNote, "owner", {CreditNote: "pk", Invoice: "invoice", Order: "order"}),
            ),
        ),
    ),
    Metric(
        name="collected",
        label=pgettext_lazy("metric", "Collected"),
        definition=_(
            "The money received from customers in the period, by the day each payment was received, less the "
            "refunds paid back in it, by the day each was paid. Money applied to invoices counts for the invoices' "
            "owner; money applied to none yet (a deposit, a prepayment, an overpayment) for the customer's owner."
        ),
        unit=MONEY,
        permissions=("finance.view_payment",),
        parts=(
            Part(
                "allocations",
                records.allocations,
                _money("amount"),
                _owned("owner", "invoice__customer"),
                day="received_on",
                # An allocation taken off is gone: its day is its payment's.
                rollup=Rollup(
                    PaymentAllocation,
                    "owner",
                    {Payment: "payment", Invoice: "invoice", Order: "invoice__order"},
                    own_days={Payment: "received_on"},
                ),
            ),
            Part(
                "unallocated",
                records.unallocated_payments,
                _money(F("amount") - F("allocated_amount")),
                _owned("customer__owner", "customer"),
                day="received_on",
                rollup=Rollup(Payment, "customer__owner", {Payment: "pk", Customer: "customer", Order: "order"}),
            ),
            Part(
                "refunds",
                records.refunds,
                _money("amount"),
                _owned("customer__owner", "customer"),
                day="refunded_on",
                sign=-1,
                rollup=Rollup(Refund, "customer__owner", {Refund: "pk", Payment: "payment", Customer: "customer"}),
            ),
        ),
    ),
    Metric(
        name="receivables",
        label=pgettext_lazy("metric", "Receivables"),
        definition=_(
            "What customers owe now, whatever the period: each issued invoice's total less what payments and credit "
            "notes have covered of it. Drafts, cancelled and paid invoices owe nothing."
        ),
        unit=MONEY,
        permissions=_INVOICES,
        parts=(
            Part(
                "invoices",
                records.owed_invoices,
                # Invoice.open_amount, summed.
                _money(F("total") - F("amount_paid") - F("amount_credited")),
                _owned("owner", "customer"),
            ),
        ),
    ),
    Metric(
        name="gross_margin",
        label=pgettext_lazy("metric", "Gross margin"),
        definition=_(
            "The amount of the lines of orders confirmed in the period (after discount, before tax), by the moment "
            "each order was confirmed, less each line's quantity times its unit cost, rounded to the cent. The unit "
            "cost is the product's cost when the order was confirmed (for a line a change added, when the change was "
            "applied): a later change of the product's cost changes no past margin. Orders count as they are now, "
            "changes applied since included; cancelled orders are left out."
        ),
        unit=MONEY,
        permissions=(*_ORDERS, "catalog.view_cost"),
        parts=(
            Part(
                "lines",
                records.confirmed_lines,
                _money(F("amount") - Round(F("quantity") * F("unit_cost"), 2)),
                _LINES,
                moment="order__confirmed_at",
                narrow=records.lines_confirmed_within,
                rollup=Rollup(OrderLine, "order__owner", {Order: "order"}),
            ),
        ),
    ),
    Metric(
        name="new_customers",
        label=pgettext_lazy("metric", "New customers"),
        definition=_("The number of customers entered in the period, by the moment each was entered."),
        unit=COUNT,
        permissions=("crm.view_customer",),
        parts=(
            Part(
                "customers",
                Customer.objects.visible_to,
                Count("pk"),
                {**_owned("owner"), REGION: "region"},
                moment="created_at",
                rollup=Rollup(Customer, "owner", {Customer: "pk"}),
            ),
        ),
    ),
    Metric(
        name="valid_customers",
        label=pgettext_lazy("metric", "Buying customers"),
        definition=_(
            "The number of customers with at least one order confirmed in the period (cancelled orders left out), "
            "each counted once. By month, week, day, owner (the order's), team or product a customer counts in every "
            "row they bought in, so those rows may add up to more than the total."
        ),
        unit=COUNT,
        permissions=_ORDERS,
        overlapping=frozenset({*TIME_GROUPINGS, OWNER, TEAM, PRODUCT}),
        parts=(
            Part(
                "orders",
                records.confirmed_orders,
                Count("customer", distinct=True),
                {key: path for key, path in _ORDER_PATHS.items() if key != CUSTOMER},
                moment="confirmed_at",
                to_many=(PRODUCT,),
            ),
        ),
    ),
    Metric(
        name="lead_conversion",
        label=pgettext_lazy("metric", "Lead conversion"),
        definition=_(
            "Of the leads entered in the period, by the moment each was entered, the share converted into a customer "
            "so far. Leads still open count as not converted, so the latest periods rise as their leads are worked."
        ),
        unit=PERCENT,
        permissions=("crm.view_lead",),
        parts=(
            Part(
                "leads",
                Lead.objects.visible_to,
                Count("pk", filter=Q(status=LeadStatus.CONVERTED)),
                {**_owned("owner"), REGION: "region"},
                moment="created_at",
                denominator=Count("pk"),
            ),
        ),
    ),
    Metric(
        name="quotation_conversion",
        label=pgettext_lazy("metric", "Quotation conversion"),
        definition=_(
            "Of the quotations sent in the period, by the moment each was sent, the share the customer accepted, "
            "which made an order. A revised quotation counts once, by its latest version; the versions it replaced "
            "are left out. Quotations still waiting for an answer count as not accepted."
        ),
        unit=PERCENT,
        permissions=("sales.view_quotation",),
        parts=(
            Part(
                "quotations",
                records.sent_quotations,
                Count("pk", filter=Q(status=QuotationStatus.ACCEPTED)),
                _owned("owner", "customer"),
                moment="sent_at",
                denominator=Count("pk"),
            ),
        ),
    ),
    Metric(
        name="cycle_quote_to_order",
        label=pgettext_lazy("metric", "Quotation to order"),
        definition=_(
            "The average number of days from a quotation's sending to the confirmation of the order it became, over "
            "the orders confirmed in the period (cancelled orders left out)."
        ),
        unit=DAYS,
        permissions=("sales.view_quotation", *_ORDERS),
        parts=(
            Part(
                "quotations",
                records.quoted_orders,
                _days_between("sent_at", "order__confirmed_at"),
                _owned("owner", "customer"),
                moment="order__confirmed_at",
                denominator=Count("pk"),
            ),
        ),
    ),
    Metric(
        name="cycle_order_to_ship",
        label=pgettext_lazy("metric", "Order to shipment"),
        definition=_(
            "The average number of days from an order's confirmation to a shipment of it leaving the warehouse, "
            "over the shipments sent in the period: an order shipped in parts counts once for each shipment."
        ),
        unit=DAYS,
        permissions=("fulfillment.view_shipment", *_ORDERS),
        parts=(
            Part(
                "shipments",
                records.sent_shipments,
                _days_between("order__confirmed_at", "shipped_at"),
                _owned("owner", "order__customer"),
                moment="shipped_at",
                denominator=Count("pk"),
                rollup=Rollup(Shipment, "owner", {Shipment: "pk", Order: "order"}),
            ),
        ),
    ),
    Metric(
        name="shipments",
        label=pgettext_lazy("metric", "Shipments"),
        definition=_(
            "The number of shipments that left the warehouse in the period, by the moment each left: an order "
            "shipped in parts counts once for each shipment. Shipments still being packed and cancelled ones are "
            "left out."
        ),
        unit=COUNT,
        permissions=("fulfillment.view_shipment",),
        parts=(
            Part(
                "shipments",
                records.sent_shipments,
                Count("pk"),
                _owned("owner", "order__customer"),
                moment="shipped_at",
                rollup=Rollup(Shipment, "owner", {Shipment: "pk", Order: "order"}),
            ),
        ),
    ),
    Metric(
        name="cycle_ship_to_cash",
        label=pgettext_lazy("metric", "Shipment to cash"),
        definition=_(
            "The average number of days from the day an order's first shipment left the warehouse to the day the "
            "last payment applied to its invoices was received, over the orders paid in full whose last payment was "
            "received in the period. Orders settled by credit notes alone are left out; a deposit received before "
            "shipping shortens it, even below zero."
        ),
        unit=DAYS,
        permissions=(*_ORDERS, "fulfillment.view_shipment", "finance.view_payment"),
        parts=(
            Part(
                "orders",
                records.paid_orders,
                _days_between("shipped_on", "paid_on"),
                _owned("owner", "customer"),
                day="paid_on",
                denominator=Count("pk"),
                narrow=records.paid_within,
                rollup=Rollup(
                    Order,
                    "owner",
                    {Order: "pk", Invoice: "invoices", Payment: "invoices__allocations__payment"},
                    days_of=records.paid_days,
                ),
            ),
        ),
    ),
    Metric(
        name="on_time_delivery",
        label=pgettext_lazy("metric", "On-time delivery"),
        definition=_(
            "Of the orders delivered in full in the period (by the moment their last shipment was signed for) that "
            "had a promised date, the share signed for on or before that date. The promised date is the order's as "
            "it is now, moved by any change applied to it."
        ),
        unit=PERCENT,
        permissions=(*_ORDERS, "fulfillment.view_shipment"),
        parts=(
            Part(
                "orders",
                records.delivered_orders,
                Count("pk", filter=Q(delivered_on__lte=F("promised_date"))),
                _owned("owner", "customer"),
                moment="delivered_at",
                denominator=Count("pk"),
                narrow=records.delivered_within,
                # An order's day is its last delivery's: found from its shipments (records.delivered_days).
                rollup=Rollup(
                    Order, "owner", {Order: "pk", Shipment: "order"}, column="count", days_of=records.delivered_days
                ),
            ),
        ),
    ),
    Metric(
        name="collection_rate",
        label=pgettext_lazy("metric", "Collection rate"),
        definition=_(
            "Of what the invoices issued in the period ask for (their total less credit notes), by the moment each "
            "was issued, the share paid so far. A payment received later raises the rate of the period its invoice "
            "was issued in, never of another."
        ),
        unit=PERCENT,
        permissions=_INVOICES,
        parts=(
            Part(
                "invoices",
                records.issued_invoices,
                _money("amount_paid"),
                _owned("owner", "customer"),
                moment="issued_at",
                denominator=_money(F("total") - F("amount_credited")),
                # What is paid of an invoice changes with every payment (an event of its order or its payment).
                rollup=Rollup(
                    Invoice,
                    "owner",
                    {Invoice: "pk", Order: "order", Payment: "allocations__payment", CreditNote: "credit_notes"},
                    column="amount",
                ),
            ),
        ),
    ),
    DaysSalesOutstanding(
        name="dso",
        label=pgettext_lazy("metric", "Days sales outstanding"),
        definition=format_lazy(
            _(
                "As of today, whatever the period: what customers owe now over what was invoiced in the last {days} "
                "days, times {days}. How many days of sales customers owe."
            ),
            days=DSO_DAYS,
        ),
        unit=DAYS,
        permissions=_INVOICES,
    ),
    Metric(
        name="follow_ups",
        label=pgettext_lazy("metric", "Follow-ups"),
        definition=_(
            "The number of follow-ups with customers that took place in the period, by the moment entered as when "
            "it happened. By owner and team: the person who recorded it."
        ),
        unit=COUNT,
        permissions=("crm.view_followup",),
        parts=(
            Part(
                "follow_ups",
                FollowUp.objects.visible_to,
                Count("pk"),
                _owned("author", "customer"),
                moment="occurred_at",
            ),
        ),
    ),
    Metric(
        name="overdue_tasks",
        label=pgettext_lazy("metric", "Overdue tasks"),
        definition=_(
            "The number of open tasks whose due time has passed, now, whatever the period. By owner and team: the "
            "person the task is assigned to."
        ),
        unit=COUNT,
        parts=(Part("tasks", records.overdue_tasks, Count("pk"), _owned("assignee")),),
    ),
    *(
        Metric(
            name=stage_metric_name(stage),
            label=stage.label,
            definition=format_lazy(
                _(
                    "The average number of days orders spent in the stage “{stage}”, over those that left it in "
                    "the period: from the last time an order entered it to the first time it left it afterwards, "
                    "time on hold included. Read from the orders' event log."
                ),
                stage=stage.label,
            ),
            unit=DAYS,
            permissions=_ORDERS,
            parts=(_passages(stage),),
        )
        for stage in ORDER_STAGES
    ),
    *(
        Metric(
            name=stage_metric_name(stage),
            label=format_lazy(pgettext_lazy("metric", "Deals at “{stage}”"), stage=stage.label),
            definition=format_lazy(
                _(
                    "The average number of days deals spent at the stage “{stage}”, over those that moved on from "
                    "it in the period (to any other stage, won or lost included): from the move that brought a deal "
                    "there, or its creation, to the move that took it on. Read from the deals' event log; by owner: "
                    "the deal's owner now."
                ),
                stage=stage.label,
            ),
            unit=DAYS,
            permissions=("crm.view_opportunity",),
            parts=(_passages(stage),),
        )
        for stage in DEAL_STAGES
    ),
    Metric(
        name="rework",
        label=pgettext_lazy("metric", "Rework"),
        definition=_(
            "The number of times in the period an order went back a step: a change applied to it after it was "
            "confirmed, or its submission sent back by an approver."
        ),
        unit=COUNT,
        permissions=_ORDERS,
        parts=(Part("events", rework, Count("pk"), STAGE_PATHS, moment="occurred_at"),),
    ),
]

rollups.register(METRIC_LIST)
