"""The first quarter of 2026 of a small company, every figure of test_metrics computed by hand from it.

Alice (rep1) and Bob (rep2) sell in the East team, Carol (rep3) in the North team; Mia (manager1) leads the sales
department above both. Moments are on the company's clock (Asia/Shanghai); the edges of the quarter are a few
minutes inside or outside it, where a period counted in UTC would put them on the other side.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from gendan.analytics.services_targets import target_set
from gendan.automation.models import TaskStatus
from gendan.crm.models import LeadStatus
from gendan.finance.models import InvoiceStatus
from gendan.sales.models import OrderStatus, QuotationStatus
from tests.factories import ProductFactory

from . import builders as b
from .builders import at, d

Q1 = (d("2026-01-01"), d("2026-03-31"))


@pytest.fixture
def quarter(personas):
    rep1, rep2, rep3, manager = personas["rep1"], personas["rep2"], personas["rep3"], personas["manager1"]
    p1 = ProductFactory(sku="P1", name="阀门", cost=Decimal("60"))
    p2 = ProductFactory(sku="P2", name="管件", cost=Decimal("30"))
    c1 = b.customer(rep1, region="华东", created=at(d("2025-11-01")), name="一号客户")
    c2 = b.customer(rep1, region="华北", created=at(d("2026-01-10")), name="二号客户")
    c3 = b.customer(rep3, created=at(d("2026-02-15")), name="三号客户")
    c4 = b.customer(rep2, region="华东", created=at(d("2026-03-31"), 23, 59), name="四号客户")
    b.customer(rep3, created=at(d("2026-04-01"), 0, 0), name="五号客户")

    # Orders: A, B, C and I confirmed in the quarter; D cancelled; E and F just outside it; G a draft; H a year before.
    order_a = b.order(
        rep1,
        c1,
        [(p1, 1, 100)],
        confirmed=at(d("2026-01-01"), 0, 5),
        promised=d("2026-01-06"),
        delivered=True,
        paid=True,
    )
    order_b = b.order(
        rep1, c2, [(p1, 2, 100), (p2, 1, 50)], confirmed=at(d("2026-02-05")), promised=d("2026-03-01"), delivered=True
    )
    order_c = b.order(rep3, c3, [(p2, 1, 40)], confirmed=at(d("2026-03-31"), 23, 30))
    order_i = b.order(
        rep3, c1, [(p2, 1, 20)], confirmed=at(d("2026-03-03")), promised=d("2026-03-04"), delivered=True, paid=True
    )
    order_d = b.order(rep1, c1, [(p1, 1, 500)], confirmed=at(d("2026-02-10")), status=OrderStatus.CANCELLED)
    order_e = b.order(rep1, c1, [(p1, 1, 70)], confirmed=at(d("2026-04-01"), 0, 10))
    order_f = b.order(rep1, c1, [(p1, 1, 80)], confirmed=at(d("2025-12-31"), 23, 59), delivered=True)
    b.order(rep2, c4, [(p1, 1, 999)])
    b.order(rep1, c2, [(p2, 3, 30)], confirmed=at(d("2025-02-14")))

    # Shipments: A 2.5 days after its confirmation, B in two parts (5 and 10 days), I after 1 day, F after 14.5 days.
    b.shipment(order_a, shipped=at(d("2026-01-03"), 12, 5), delivered=at(d("2026-01-05")))
    b.shipment(order_b, shipped=at(d("2026-02-10")), delivered=at(d("2026-02-12")))
    b.shipment(order_b, shipped=at(d("2026-02-15")), delivered=at(d("2026-03-02")))
    # Signed for at half past midnight on the 5th, the day after its promise (still the 4th in UTC).
    b.shipment(order_i, shipped=at(d("2026-03-04")), delivered=at(d("2026-03-05"), 0, 30))
    b.shipment(order_f, shipped=at(d("2026-01-15"), 11, 59), delivered=at(d("2026-01-20")))
    b.shipment(order_c)

    inv1 = b.invoice(order_a, "113.00", issued=at(d("2026-01-15")), paid="113.00")
    inv2 = b.invoice(order_b, "282.50", issued=at(d("2026-02-20")), paid="100.00", credited="50.00")
    b.invoice(order_c, "45.20", issued=at(d("2026-03-31"), 23))
    b.invoice(order_b, "10.00")
    b.invoice(order_e, "79.10", issued=at(d("2026-04-02")))
    inv6 = b.invoice(order_i, "22.60", issued=at(d("2026-03-05")), paid="22.60")
    assert inv1.status == inv6.status == InvoiceStatus.PAID
    b.credit_note(inv2, "50.00", issued=at(d("2026-03-01")))
    b.credit_note(inv2, "5.00")

    b.payment(c1, "113.00", d("2026-01-20"), allocations=[(inv1, "113.00")])
    pay2 = b.payment(c2, "150.00", d("2026-02-25"), allocations=[(inv2, "100.00")], refunded="20.00")
    b.refund(pay2, "20.00", d("2026-03-10"))
    b.payment(c3, "30.00", d("2026-03-15"))
    b.payment(c1, "60.00", d("2026-04-05"))
    # Alice's customer pays Carol's invoice (her order I): the money is Carol's.
    b.payment(c1, "22.60", d("2026-03-06"), allocations=[(inv6, "22.60")])

    b.quotation(rep1, c1, sent=at(d("2025-12-27"), 0, 5), status=QuotationStatus.ACCEPTED, made=order_a)
    b.quotation(rep1, c2, sent=at(d("2026-01-26")), status=QuotationStatus.ACCEPTED, made=order_b)
    b.quotation(rep1, c2, sent=at(d("2026-02-01")), status=QuotationStatus.REJECTED)
    b.quotation(rep3, c3, sent=at(d("2026-03-10")))
    b.quotation(rep3, c3, sent=at(d("2026-02-10")), status=QuotationStatus.SUPERSEDED, number="QT-5")
    b.quotation(
        rep3,
        c3,
        sent=at(d("2026-03-12"), 11, 30),
        status=QuotationStatus.ACCEPTED,
        made=order_c,
        number="QT-5",
        revision=2,
    )
    b.quotation(rep1, c1)
    b.quotation(rep1, c1, sent=at(d("2026-02-01")), status=QuotationStatus.ACCEPTED, made=order_d)

    b.lead(rep1, at(d("2026-01-05")), status=LeadStatus.CONVERTED, region="华东")
    b.lead(rep1, at(d("2026-01-20")), status=LeadStatus.DISQUALIFIED)
    b.lead(rep1, at(d("2026-02-03")))
    b.lead(rep3, at(d("2026-03-08")), status=LeadStatus.CONVERTED, region="华北")
    b.lead(rep3, at(d("2025-12-20")), status=LeadStatus.CONVERTED)

    b.follow_up(c1, rep1, at(d("2026-01-08")))
    b.follow_up(c2, manager, at(d("2026-02-02")))
    b.follow_up(c3, rep3, at(d("2026-03-03")))
    b.follow_up(c1, rep1, at(d("2026-04-03")))

    now = timezone.now()
    b.task(rep1, now - datetime.timedelta(days=1))
    b.task(rep1, now + datetime.timedelta(days=1))
    b.task(rep1, now - datetime.timedelta(days=2), status=TaskStatus.DONE)
    b.task(rep3, now - datetime.timedelta(hours=3))
    b.task(rep2, None)

    return SimpleNamespace(
        **personas,
        people=personas,
        p1=p1,
        p2=p2,
        c1=c1,
        c2=c2,
        c3=c3,
        c4=c4,
        east=rep1.department,
        north=rep3.department,
        sales=manager.department,
    )


@pytest.fixture
def march(personas):
    """March 2026 (test_targets, test_leaderboard): Alice (rep1) sold 1,000 and Bob (rep2) 300 in the East team,
    Carol (rep3) 700 in the North team, and Mia (manager1), who heads the department above both, 100 herself: 2,100
    in all; Alice also sold 500 in February. The administrator set the company's, East's, Alice's and Carol's
    targets for March and North's for the first quarter."""
    rep1, rep2, rep3, manager = personas["rep1"], personas["rep2"], personas["rep3"], personas["manager1"]
    product = ProductFactory(sku="P1", cost=Decimal("1"))
    for owner, price, day in [
        (rep1, 1000, "2026-03-05"),
        (rep1, 500, "2026-02-10"),
        (rep2, 300, "2026-03-20"),
        (rep3, 700, "2026-03-10"),
        (manager, 100, "2026-03-11"),
    ]:
        b.order(owner, b.customer(owner), [(product, 1, price)], confirmed=at(d(day)))
    admin = personas["admin"]
    east, north = rep1.department, rep3.department

    def month(amount, **subject):
        return target_set(actor=admin, metric="sales", period="month", year=2026, month=3, amount=amount, **subject)

    targets = {
        "company": month("2500"),
        "east": month("2000", team=east),
        "rep1": month("1200", owner=rep1),
        "rep3": month("500", owner=rep3),
        "north_q1": target_set(
            actor=admin, metric="sales", period="quarter", year=2026, quarter=1, amount="1000", team=north
        ),
    }
    return personas, targets
