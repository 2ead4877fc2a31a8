"""Demo receivables: last month's statement of the customer with the most going on, ready for finance to send; an
order that takes a customer past their credit limit, for a rep to submit and meet the refusal; an order paid in
instalments (30 % deposit on confirmation, received; 70 % thirty days after delivery); and an accounts e-mail for
every customer, so that the worker's first scan sends the overdue customers their reminders.

Called by gendan.demo.company.DemoBuilder once the orders are replayed, through the services, as people would.
"""

import datetime
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from gendan.crm.services import customer_update
from gendan.finance.models import Instalment, Invoice
from gendan.finance.services import payment_record
from gendan.finance.services_instalments import order_instalments_set
from gendan.finance.services_statements import statement_create
from gendan.sales.credit import customer_exposure
from gendan.sales.services import order_create, order_submit

from .clock import at


def add_demo_receivables(builder) -> dict:
    users = builder.users
    today = timezone.localdate(builder.now)
    last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
    last_month_start = last_month_end.replace(day=1)
    busiest = (
        Invoice.objects.filter(issued_at__date__gte=last_month_start, issued_at__date__lte=last_month_end)
        .values("customer")
        .annotate(invoices=Count("pk"))
        .order_by("-invoices", "customer")
        .first()
    )
    statements = 0
    if busiest is not None:
        customer = next(c for c in builder.customers if c.pk == busiest["customer"])
        with at(builder.now - datetime.timedelta(hours=2)):
            statement_create(
                actor=users["finance1"], customer=customer, period_start=last_month_start, period_end=last_month_end
            )
        statements = 1
    # One of rep1's customers with room for a small order only: the draft below needs a credit override.
    customer = next(c for c in builder.customers if c.owner_id == users["rep1"].pk)
    room = Decimal("2000.00")
    customer.credit_limit = customer_exposure(customer.pk) + room
    customer.save(update_fields=["credit_limit", "updated_at"])
    product = max(builder.products, key=lambda p: p.list_price)
    quantity = (room / product.list_price).to_integral_value() + 2
    with at(builder.now - datetime.timedelta(hours=1)):
        order_create(
            actor=users["rep1"],
            customer=customer,
            contact=customer.contacts.first(),
            shipping_address=customer.addresses.first(),
            warehouse=builder.warehouses[customer.team],
            lines=[{"product": product, "quantity": quantity}],
            notes="年底备货，超出客户信用额度：提交时会被拒绝，需申请超额度放行。",
            duplicate_reason="演示：超出信用额度的订单",
        )
    _accounts_emails(builder)
    _order_in_instalments(builder)
    return {"statements": statements, "over_credit_orders": 1, "instalment_orders": 1}


def _accounts_emails(builder) -> None:
    """Where the customers' payment reminders go (a reserved domain: the demo writes to nobody real)."""
    with at(builder.now - datetime.timedelta(days=1)):
        for customer in builder.customers:
            customer_update(customer=customer, actor=customer.owner, email=f"ap-{customer.code.lower()}@example.com")


def _order_in_instalments(builder) -> None:
    users = builder.users
    customer = next(c for c in builder.customers if c.owner_id == users["rep2"].pk)
    product = min(builder.products, key=lambda p: p.list_price)
    with at(builder.now - datetime.timedelta(days=3)):
        order = order_create(
            actor=users["rep2"],
            customer=customer,
            contact=customer.contacts.first(),
            shipping_address=customer.addresses.first(),
            warehouse=builder.warehouses[customer.team],
            lines=[{"product": product, "quantity": Decimal("10")}],
            notes="合同约定：订单确认后预付30%定金，货到30天内付清余款70%。",
            duplicate_reason="演示：分期付款的订单",
        )
        order_instalments_set(
            order=order,
            actor=users["rep2"],
            instalments=[
                {"percent": Decimal("30"), "basis": "confirmation", "days": 3},
                {"percent": Decimal("70"), "basis": "delivery", "days": 30},
            ],
        )
        order = order_submit(order=order, actor=users["rep2"])
    deposit = Instalment.objects.get(order=order, position=1)
    with at(builder.now - datetime.timedelta(days=1)):
        payment_record(
            actor=users["finance1"],
            customer=customer,
            amount=deposit.amount,
            received_on=timezone.localdate(builder.now - datetime.timedelta(days=1)),
            reference="定金",
            order=order,
        )
