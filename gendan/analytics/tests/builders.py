"""Records written as they stand at a given moment, straight through the ORM: the metrics read state, and these
tests need each date exactly where the hand-computed figures put it (the services stamp "now")."""

import datetime
import itertools
import zoneinfo
from decimal import Decimal

from gendan.automation.models import Task, TaskStatus
from gendan.crm.models import FollowUp, Lead, LeadStatus
from gendan.finance.models import (
    CreditNote,
    CreditNoteStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    Refund,
)
from gendan.fulfillment.models import Shipment, ShipmentStatus
from gendan.sales.models import DeliveryStatus, Order, OrderLine, OrderStatus, PaymentStatus, Quotation, QuotationStatus
from tests.factories import CustomerFactory, WarehouseFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment on the company's clock (Asia/Shanghai)."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _number(prefix: str) -> str:
    return f"{prefix}{next(_numbers):06d}"


def _created(record, moment):
    """created_at is stamped on insert; set it where the test says."""
    if moment is not None:
        type(record).objects.filter(pk=record.pk).update(created_at=moment)
        record.created_at = moment
    return record


def customer(owner, *, region: str = "", created=None, name: str = ""):
    found = CustomerFactory(owner=owner, region=region, **({"name": name} if name else {}))
    return _created(found, created)


def order(owner, buyer, lines, *, confirmed=None, status=None, promised=None, delivered=False, paid=False):
    """An order of `lines` [(product, quantity, unit price)], confirmed at `confirmed` (a draft without it)."""
    status = status or (OrderStatus.CONFIRMED if confirmed else OrderStatus.DRAFT)
    amounts = [Decimal(quantity) * Decimal(price) for _product, quantity, price in lines]
    subtotal = sum(amounts, Decimal("0"))
    tax = (subtotal * Decimal("0.13")).quantize(Decimal("0.01"))
    made = Order.objects.create(
        number=_number("SO"),
        customer=buyer,
        warehouse=WarehouseFactory(code="SH"),
        owner=owner,
        status=status,
        confirmed_at=confirmed,
        promised_date=promised,
        delivery_status=DeliveryStatus.DELIVERED if delivered else DeliveryStatus.NOT_SHIPPED,
        payment_status=PaymentStatus.PAID if paid else PaymentStatus.UNPAID,
        subtotal=subtotal,
        tax_amount=tax,
        total=subtotal + tax,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=made,
            position=position,
            product=product,
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            amount=amount,
            unit_cost=product.cost if confirmed else None,
            shipped_quantity=Decimal(quantity) if delivered else 0,
            delivered_quantity=Decimal(quantity) if delivered else 0,
        )
        for position, ((product, quantity, price), amount) in enumerate(zip(lines, amounts, strict=True))
    )
    return made


def invoice(of, total, *, issued=None, paid="0", credited="0", status=None, clerk=None):
    total, paid, credited = Decimal(total), Decimal(paid), Decimal(credited)
    if status is None:
        status = (
            InvoiceStatus.DRAFT
            if issued is None
            else (InvoiceStatus.PAID if paid + credited == total else InvoiceStatus.ISSUED)
        )
    return Invoice.objects.create(
        number=_number("INV"),
        order=of,
        customer=of.customer,
        owner=of.owner,
        status=status,
        issued_at=issued,
        tax_rate=Decimal("13"),
        subtotal=total,
        tax_amount=0,
        total=total,
        amount_paid=paid,
        amount_credited=credited,
        created_by=clerk or of.owner,
    )


def credit_note(on, total, *, issued=None):
    return CreditNote.objects.create(
        number=_number("CN"),
        invoice=on,
        order=on.order,
        customer=on.customer,
        owner=on.owner,
        status=CreditNoteStatus.ISSUED if issued else CreditNoteStatus.DRAFT,
        issued_at=issued,
        tax_rate=Decimal("13"),
        subtotal=Decimal(total),
        tax_amount=0,
        total=Decimal(total),
        reason="退货",
        created_by=on.owner,
    )


def payment(payer, amount, received_on, *, allocations=(), refunded="0"):
    """A payment of `amount`, with [(invoice, amount)] applied; the rest on account."""
    allocated = sum((Decimal(part) for _invoice, part in allocations), Decimal("0"))
    made = Payment.objects.create(
        number=_number("PAY"),
        customer=payer,
        amount=Decimal(amount),
        received_on=received_on,
        allocated_amount=allocated,
        refunded_amount=Decimal(refunded),
        created_by=payer.owner,
    )
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(payment=made, invoice=paid, amount=Decimal(part), owner=paid.owner, received_on=received_on)
        for paid, part in allocations
    )
    return made


def refund(of, amount, refunded_on):
    return Refund.objects.create(
        number=_number("RF"),
        payment=of,
        customer=of.customer,
        amount=Decimal(amount),
        refunded_on=refunded_on,
        reason="多付",
        created_by=of.created_by,
    )


def shipment(of, *, shipped=None, delivered=None):
    status = ShipmentStatus.DELIVERED if delivered else ShipmentStatus.SHIPPED if shipped else ShipmentStatus.PENDING
    return Shipment.objects.create(
        number=_number("SH"),
        order=of,
        warehouse=of.warehouse,
        status=status,
        shipped_at=shipped,
        delivered_at=delivered,
        created_by=of.owner,
        owner=of.owner,
    )


def quotation(owner, buyer, *, sent=None, status=None, made=None, number="", revision=1):
    status = status or (QuotationStatus.SENT if sent else QuotationStatus.DRAFT)
    return Quotation.objects.create(
        number=number or _number("QT"),
        revision=revision,
        customer=buyer,
        owner=owner,
        status=status,
        valid_until=d("2030-12-31"),
        sent_at=sent,
        order=made,
    )


def lead(owner, created, *, status=LeadStatus.NEW, region=""):
    return _created(Lead.objects.create(company=_number("线索"), owner=owner, status=status, region=region), created)


def follow_up(about, author, occurred):
    return FollowUp.objects.create(customer=about, author=author, occurred_at=occurred, notes="电话沟通")


def task(assignee, due, *, status=TaskStatus.OPEN):
    return Task.objects.create(title="回访", assignee=assignee, due_at=due, status=status)
