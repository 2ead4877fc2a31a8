"""Quotations brought to any status through the services, and a snapshot to prove a refusal changed nothing."""

import datetime
from decimal import Decimal

import time_machine
from django.utils import timezone

from gendan.core.models import Event
from gendan.sales.models import Order, Quotation, QuotationLine, QuotationStatus
from gendan.sales.services_approvals import approval_rule_create
from gendan.sales.services_quotations import (
    quotation_accept,
    quotation_approve,
    quotation_create,
    quotation_reject,
    quotation_revise,
    quotation_send,
    quotations_expire_due,
)
from tests.backbone import stocked_products
from tests.factories import customer_ready_to_order


def draft_quotation(rep, products=None, quantities=None, customer=None, **fields) -> Quotation:
    """A draft of `rep`'s: one line per product (list price 100, floor 80 from the factory)."""
    if products is None:
        _warehouse, products = stocked_products(1)
    customer = customer or customer_ready_to_order(rep)
    quantities = quantities or ["2"] * len(products)
    fields.setdefault("contact", customer.contacts.first())
    return quotation_create(
        actor=rep,
        customer=customer,
        lines=[{"product": p, "quantity": Decimal(q)} for p, q in zip(products, quantities, strict=True)],
        **fields,
    )


def quotation_at(status: str, people, **kwargs) -> Quotation:
    """A quotation of rep1's in `status`, through the services (an expired one by travelling past its validity)."""
    rep = people["rep1"]
    quotation = draft_quotation(rep, **kwargs)
    if status == QuotationStatus.DRAFT:
        return quotation
    if status in (QuotationStatus.PENDING_APPROVAL, QuotationStatus.APPROVED):
        # A rule that catches every quotation, decided by whoever may approve (manager1 among them).
        approval_rule_create(
            actor=people["admin"],
            name="每张报价单",
            applies_to="quotation",
            conditions=[{"type": "total_above", "amount": "0"}],
            levels=[{"approvers": ["approvers"], "mode": "any"}],
        )
        quotation = quotation_send(quotation=quotation, actor=rep)
        if status == QuotationStatus.APPROVED:
            quotation = quotation_approve(quotation=quotation, actor=people["manager1"])
        assert quotation.status == status
        return Quotation.objects.get(pk=quotation.pk)
    quotation = quotation_send(quotation=quotation, actor=rep)
    if status == QuotationStatus.SENT:
        return quotation
    if status == QuotationStatus.ACCEPTED:
        quotation_accept(quotation=quotation, actor=rep)
    elif status == QuotationStatus.REJECTED:
        quotation_reject(quotation=quotation, actor=rep, reason="价格偏高")
    elif status == QuotationStatus.SUPERSEDED:
        quotation_revise(quotation=quotation, actor=rep)
    elif status == QuotationStatus.EXPIRED:
        later = timezone.localtime() + datetime.timedelta(days=(quotation.valid_until - timezone.localdate()).days + 1)
        with time_machine.travel(later, tick=False):
            quotations_expire_due()
    quotation = Quotation.objects.get(pk=quotation.pk)
    assert quotation.status == status
    return quotation


def quotation_state(quotation) -> dict:
    """Everything a refused action must leave as it was."""
    quotation = Quotation.objects.get(pk=quotation.pk)
    return {
        "row": {
            f.attname: getattr(quotation, f.attname) for f in Quotation._meta.concrete_fields if f.name != "updated_at"
        },
        "lines": list(
            QuotationLine.objects.filter(quotation=quotation).values_list(
                "product_id", "quantity", "unit_price", "discount_percent", "amount", "below_floor"
            )
        ),
        "quotations": Quotation.objects.count(),
        "orders": Order.objects.count(),
        "events": Event.objects.count(),
    }
