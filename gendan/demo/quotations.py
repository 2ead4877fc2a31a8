"""Demo quotations for `make run`: rep1's and rep2's customers get quotations in every status.

Called by gendan.demo.company.DemoBuilder once the orders are replayed. Everything goes through
the services at the moment it happens in the story, so numbers, timelines and validity dates
look like a working company's: drafts being prepared, offers waiting for an answer, one
accepted and turned into a draft order, one rejected, one expired, one revised to a V2.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from gendan.sales.models import Quotation
from gendan.sales.services_quotations import (
    quotation_accept,
    quotation_create,
    quotation_reject,
    quotation_revise,
    quotation_send,
    quotation_update,
    quotations_expire_due,
)

from .clock import at

TERMS = "1. 以上报价含13%增值税及运费。\n2. 付款方式：合同签订后预付30%，发货前付清余款。\n3. 交货期：收到预付款后15个工作日内发货。"

# (what happens, days before today it starts, the steps after it in days, whether a price is below the floor)
PLANS = [
    ("expired", 45, {"send": 1}, False),
    ("rejected", 30, {"send": 1, "reject": 6}, False),
    ("revised", 20, {"send": 1, "revise": 5, "send_again": 6}, True),
    ("accepted", 12, {"send": 1}, False),
    ("sent", 8, {"send": 1}, True),
    ("sent", 4, {"send": 1}, False),
    ("draft", 2, {}, False),
    ("draft", 1, {}, True),
]


def add_demo_quotations(builder) -> int:
    """Quotations for the East team's customers (rep1 and rep2); returns how many were made, versions included."""
    rng = builder.rng
    customers = [c for c in builder.customers if c.owner.username in ("rep1", "rep2")]
    warehouse = builder.warehouses["east"]
    agenda = []
    for index, (story, days_ago, steps, below_floor) in enumerate(PLANS):
        customer = customers[(index * 5) % len(customers)]
        start = timezone.localtime(builder.now - datetime.timedelta(days=days_ago)).replace(
            hour=rng.randint(9, 16), minute=rng.randint(0, 59), second=0
        )
        plan = {"story": story, "customer": customer, "below_floor": below_floor, "quotation": None}
        agenda.append((start, index, "create", plan))
        for step, after in steps.items():
            agenda.append((start + datetime.timedelta(days=after, hours=rng.randint(0, 3)), index, step, plan))
        if story == "accepted":
            # The customer said yes this morning: the order made from it is today's newest.
            agenda.append((builder.now - datetime.timedelta(hours=2), index, "accept", plan))
        if story == "expired":
            # The nightly run notices the day after the last valid day.
            agenda.append((start + datetime.timedelta(days=32), index, "expire", plan))
    for moment, _index, step, plan in sorted(agenda, key=lambda item: (item[0], item[1])):
        with at(moment):
            _step(builder, step, plan, moment, warehouse)
    return Quotation.objects.count()


def _lines(builder, below_floor: bool) -> list[dict]:
    rng = builder.rng
    lines = []
    for position, product in enumerate(rng.sample(builder.products, rng.randint(1, 3))):
        quantity = Decimal(rng.randint(1, 5)) if product.list_price > 1000 else Decimal(rng.choice([5, 10, 20, 50]))
        line = {"product": product, "quantity": quantity}
        if position == 0 and below_floor:
            line["unit_price"] = (product.floor_price * Decimal("0.95")).quantize(Decimal("0.01"))
        elif rng.random() < 0.4:
            line["discount_percent"] = Decimal(rng.choice([3, 5, 8]))
        lines.append(line)
    return lines


def _step(builder, step: str, plan: dict, moment, warehouse) -> None:
    customer = plan["customer"]
    rep = customer.owner
    if step == "create":
        plan["quotation"] = quotation_create(
            actor=rep,
            customer=customer,
            contact=customer.contacts.first(),
            valid_until=timezone.localdate(moment) + datetime.timedelta(days=30),
            terms=TERMS,
            lines=_lines(builder, plan["below_floor"]),
        )
    elif step in ("send", "send_again"):
        plan["quotation"] = quotation_send(quotation=plan["quotation"], actor=rep)
    elif step == "reject":
        quotation_reject(quotation=plan["quotation"], actor=rep, reason="客户选择了报价更低的供应商")
    elif step == "revise":
        revised = quotation_revise(quotation=plan["quotation"], actor=rep)
        lines = [
            {
                "product": line.product,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                # The customer asked for a better price: 5% more off every line.
                "discount_percent": min(line.discount_percent + Decimal("5"), Decimal("100")),
            }
            for line in revised.lines.select_related("product")
        ]
        plan["quotation"] = quotation_update(
            quotation=revised, actor=rep, lines=lines, notes="客户要求再优惠5%，经理口头同意。"
        )
    elif step == "accept":
        quotation_accept(quotation=plan["quotation"], actor=rep, warehouse=warehouse)
    elif step == "expire":
        quotations_expire_due(today=timezone.localdate(moment))
