"""Historical orders: one row per line, grouped by order number, recorded as they ended up on their own dates."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from gendan.analytics.metrics import get_metric, rollups
from gendan.analytics.models import DailyFigure
from gendan.automation.models import Notification, Rule, ScheduledCheck, Task
from gendan.automation.rules.matching import handle_event
from gendan.core.models import Event, NumberCounter
from gendan.finance.models import Invoice, Payment
from gendan.finance.services import invoice_create, payment_record
from gendan.fulfillment.models import Shipment
from gendan.fulfillment.services import shipment_create, shipment_deliver
from gendan.imports import services as import_services
from gendan.imports.jobs import commit_import
from gendan.imports.models import Import
from gendan.imports.services import import_check, import_commit, import_create
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales import services_history as sales_history
from gendan.sales.credit import customer_exposure
from gendan.sales.models import Order
from gendan.sales.services import order_create
from gendan.sales.services_history import orders_import
from tests.factories import (
    AddressFactory,
    ContactFactory,
    CustomerFactory,
    ProductFactory,
    StockLevelFactory,
    WarehouseFactory,
)

from .conftest import csv_file, xlsx_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADERS = [
    "订单号",
    "客户",
    "下单日期",
    "交货日期",
    "业务员",
    "产品",
    "数量",
    "单价",
    "发货日期",
    "物流公司",
    "运单号",
    "签收日期",
    "发票号",
    "开票日期",
    "回款金额",
    "回款日期",
    "备注",
]
D = datetime.date
# Five orders, one in each state the history gives. Two lines of 10 × 100 and 4 × 50: 1,200 before tax, 1,356 with it.
ROWS = [
    ["XS-001", "KH001", D(2025, 3, 3), D(2025, 3, 20), "", "FM-DN50", "10", "100", D(2025, 3, 5), "顺丰速运",
     "SF1001", D(2025, 3, 8), "", D(2025, 3, 10), "1356", D(2025, 4, 2), "老客户"],
    ["XS-001", "", "", "", "", "管件", "4", "50", "", "", "", "", "", "", "", "", ""],
    ["XS-002", "无锡精工阀门厂", D(2025, 3, 10), "", "rep2", "FM-DN50", "10", "100", D(2025, 3, 12), "自提", "",
     D(2025, 3, 12), "FP-2025-77", D(2025, 3, 15), "500", D(2025, 3, 28), ""],
    ["XS-003", "KH001", D(2025, 3, 12), "", "", "GJ-20", "4", "50", D(2025, 3, 14), "中通快递", "ZT-778899",
     "", "", "", "", "", ""],
    ["XS-004", "KH001", D(2025, 3, 20), "", "", "GJ-20", "4", "50", "", "", "", "", "", "", "", "", ""],
    ["XS-005", "KH001", D(2025, 3, 21), "", "", "FM-DN50", "10", "100", D(2025, 3, 22), "顺丰速运", "SF1005",
     D(2025, 3, 24), "", D(2025, 3, 25), "", "", ""],
]  # fmt: skip


def as_text(value) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else value


def csv_text(rows, headers=HEADERS) -> str:
    return "\n".join(",".join(as_text(v) for v in row) for row in [headers, *rows]) + "\n"


@pytest.fixture
def book(personas):
    """Two customers of rep1, two products with stock today in the one warehouse."""
    rep = personas["rep1"]
    customers = [
        CustomerFactory(code="KH001", name="苏州恒信机械有限公司", owner=rep, payment_terms_days=30),
        CustomerFactory(code="KH002", name="无锡精工阀门厂", owner=rep, payment_terms_days=45),
    ]
    products = [
        ProductFactory(sku="FM-DN50", name="球阀", cost=Decimal("60")),
        ProductFactory(sku="GJ-20", name="管件", cost=Decimal("20")),
    ]
    warehouse = WarehouseFactory(code="SH")
    for product in products:
        StockLevelFactory(product=product, warehouse=warehouse, on_hand=Decimal("100"))
    return customers, products


def imported(actor, upload) -> Import:
    imp = import_create(actor=actor, kind="orders", upload=upload)
    import_check(imp.pk)
    imp.refresh_from_db()
    return imp


def committed(actor, upload) -> Import:
    imp = imported(actor, upload)
    assert imp.errors == []
    import_commit(imp=imp, actor=actor)
    commit_import(imp.pk)
    imp.refresh_from_db()
    return imp


def stock_now():
    return list(StockLevel.objects.order_by("pk").values_list("on_hand", "reserved")), StockMove.objects.count()


def state(order: Order):
    return (order.status, order.delivery_status, order.billing_status, order.payment_status)


UPLOADS = {
    "csv-utf8": lambda: csv_file(csv_text(ROWS)),
    "csv-gb18030": lambda: csv_file(csv_text(ROWS), "gb18030"),
    "xlsx": lambda: xlsx_file([HEADERS, *ROWS]),
}


@pytest.mark.parametrize("kind", UPLOADS)
def test_a_whole_history_file_becomes_orders_in_every_state_with_their_documents(personas, book, kind):
    # given
    admin, rep = personas["admin"], personas["rep1"]
    stock = stock_now()

    # when
    imp = committed(admin, UPLOADS[kind]())

    # then: five orders, dated and moved along as their rows say
    assert imp.status == "done"
    assert imp.result["created"] == 5
    orders = {o.number: o for o in Order.objects.all()}
    assert {n: state(o) for n, o in orders.items()} == {
        "XS-001": ("closed", "delivered", "invoiced", "paid"),
        "XS-002": ("delivered", "delivered", "invoiced", "partially_paid"),
        "XS-003": ("shipped", "shipped", "not_invoiced", "unpaid"),
        "XS-004": ("confirmed", "not_shipped", "not_invoiced", "unpaid"),
        "XS-005": ("delivered", "delivered", "invoiced", "unpaid"),
    }
    first = orders["XS-001"]
    assert (first.subtotal, first.tax_amount, first.total) == (Decimal("1200"), Decimal("156"), Decimal("1356"))
    assert (first.amount_invoiced, first.amount_paid) == (Decimal("1356"), Decimal("1356"))
    assert first.owner == rep and orders["XS-002"].owner == personas["rep2"]
    assert first.notes == "老客户" and first.promised_date == D(2025, 3, 20)
    assert first.confirmed_at.date() == D(2025, 3, 3) and first.created_at.date() == D(2025, 3, 3)
    assert first.closed_at.date() == D(2025, 4, 2)
    assert [
        (line.product.sku, line.quantity, line.shipped_quantity, line.delivered_quantity, line.invoiced_quantity)
        for line in first.lines.select_related("product")
    ] == [("FM-DN50", 10, 10, 10, 10), ("GJ-20", 4, 4, 4, 4)]
    assert [line.unit_cost for line in first.lines.all()] == [Decimal("60"), Decimal("20")]
    # the one not shipped yet is today's: it reserves its goods, as a confirmed order does
    assert orders["XS-004"].lines.get().reserved_quantity == 4
    # its shipment, invoice and payment on their days
    shipment = first.shipments.get()
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == ("delivered", "顺丰速运", "SF1001")
    assert (shipment.shipped_at.date(), shipment.delivered_at.date()) == (D(2025, 3, 5), D(2025, 3, 8))
    assert shipment.number == "SH20250300001"
    picked_up = orders["XS-002"].shipments.get()
    assert (picked_up.delivery_method, picked_up.status) == ("pickup", "delivered")
    assert orders["XS-003"].shipments.get().status == "shipped"
    invoice = first.invoices.get()
    assert (invoice.status, invoice.total, invoice.amount_paid) == ("paid", Decimal("1356"), Decimal("1356"))
    assert (invoice.issued_at.date(), invoice.due_date) == (D(2025, 3, 10), D(2025, 4, 9))
    assert orders["XS-002"].invoices.get().number == "FP-2025-77"
    assert orders["XS-002"].invoices.get().due_date == D(2025, 3, 15) + datetime.timedelta(days=45)
    payment = Payment.objects.get(allocations__invoice=invoice)
    assert (payment.received_on, payment.amount, payment.allocated_amount) == (D(2025, 4, 2), 1356, 1356)
    assert Payment.objects.count() == 2 and Invoice.objects.count() == 3 and Shipment.objects.count() == 4
    # what the customers owe now: their invoices' open amounts and what is confirmed not yet invoiced
    assert customer_exposure(book[0][0].pk) == Decimal("1130") + Decimal("226") + Decimal("226")
    assert customer_exposure(book[0][1].pk) == Decimal("1130") - Decimal("500")
    # what left in the past moved nothing; the open order holds 4 of GJ-20, one reservation in the ledger
    levels, moves = stock
    assert stock_now() == ([levels[0], (levels[1][0], levels[1][1] + 4)], moves + 1)
    assert StockMove.objects.get().kind == StockMove.Kind.RESERVATION
    # one event per record, in the history's own verbs
    verbs = Event.objects.exclude(verb__startswith="import.").values_list("verb", flat=True)
    assert sorted(verbs) == sorted(
        ["order.imported"] * 5 + ["shipment.imported"] * 4 + ["invoice.imported"] * 3 + ["payment.imported"] * 2
    )
    event = Event.objects.get(verb="order.imported", object_id=first.pk)
    assert event.data["ordered_at"].startswith("2025-03-03") and event.data["import"] == imp.pk


def test_an_order_failing_at_commit_leaves_none_of_the_file(personas, book):
    # given: checked clean, then one of its numbers taken before the commit
    admin = personas["admin"]
    imp = imported(admin, csv_file(csv_text(ROWS)))
    assert imp.errors == []
    orders_import(
        actor=admin,
        orders=[
            {
                "number": "XS-003",
                "customer": book[0][0],
                "lines": [{"product": book[1][0], "quantity": Decimal("1")}],
                "ordered_at": datetime.datetime(2025, 3, 1, 4, tzinfo=datetime.UTC),
            }
        ],
    )
    before = (Order.objects.count(), Shipment.objects.count(), Invoice.objects.count(), Payment.objects.count())
    import_commit(imp=imp, actor=admin)

    # when
    commit_import(imp.pk)
    imp.refresh_from_db()

    # then
    assert imp.status == "failed"
    assert imp.errors == [{"row": 5, "column": "订单号", "message": "An order with this number is already here."}]
    assert (Order.objects.count(), Shipment.objects.count(), Invoice.objects.count(), Payment.objects.count()) == before
    assert not Event.objects.filter(verb="shipment.imported").exists()


def test_orders_refused_at_a_later_step_of_their_batch_are_named_and_the_others_of_the_batch_go_through(
    personas, book, monkeypatch
):
    # given: orders written two at a time; an invoice numbered FP-2025-77 already here; XS-003 left open with 98 of
    # the 100 GJ-20 in stock, so that XS-004, open beside it in the same batch, finds 2
    monkeypatch.setattr(import_services, "BATCH", 2)
    admin = personas["admin"]
    earlier = ["XS-900", "KH001", D(2025, 3, 1), "", "", "GJ-20", "1", "50", D(2025, 3, 2), "自提", "", "",
               "FP-2025-77", D(2025, 3, 3), "", "", ""]  # fmt: skip
    committed(admin, csv_file(csv_text([earlier])))
    rows = [*ROWS[:3], ["XS-003", "KH001", D(2025, 3, 12), *[""] * 2, "GJ-20", "98", "50", *[""] * 9], *ROWS[4:]]
    warehouse = StockLevel.objects.get(product__sku="GJ-20").warehouse

    # when
    refused = imported(admin, csv_file(csv_text(rows)))

    # then: the invoice's step (after its order and shipment were written in the batch) and the reservation (after
    # the batch's orders were written) name their own rows; nothing else is wrong, nothing stays
    assert [(e["row"], e["column"], e["message"]) for e in refused.errors] == [
        (4, "发票号", "An invoice with this number is already here."),
        (6, "", f"Not enough stock of GJ-20 管件 in {warehouse}: 4 needed, 2 available."),
    ]
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(product__sku="GJ-20").reserved == 0

    # when: the file without them, three batches
    done = committed(admin, csv_file(csv_text([row for row in rows if row[0] not in ("XS-002", "XS-004")])))

    # then
    assert done.status == "done"
    assert sorted(Order.objects.values_list("number", "status")) == [
        ("XS-001", "closed"),
        ("XS-003", "confirmed"),
        ("XS-005", "delivered"),
        ("XS-900", "shipped"),
    ]
    assert StockLevel.objects.get(product__sku="GJ-20").reserved == 98
    assert Event.objects.filter(verb="order.imported", data__import=done.pk).count() == 3


def test_a_batch_the_database_refuses_is_written_again_order_by_order_to_name_the_one(personas, book, monkeypatch):
    # given: XS-003 taken meanwhile, after the service's own check (made blind here) and before its write
    admin = personas["admin"]
    committed(admin, csv_file(csv_text([["XS-003", *ROWS[3][1:]]])))
    monkeypatch.setattr(sales_history, "history_number_problems", lambda number, here: [])

    # when
    refused = imported(admin, csv_file(csv_text(ROWS)))

    # then: the database's unique number refused the batch; order by order, only XS-003's row is named
    assert [(e["row"], e["message"]) for e in refused.errors] == [
        (5, "A record saved meanwhile conflicts with this row.")
    ]
    assert list(Order.objects.values_list("number", flat=True)) == ["XS-003"]


def test_the_history_leaves_what_the_live_flow_leaves(personas, book):
    # given: the same order entered, shipped, signed for, invoiced and paid in part through the live services
    admin = personas["admin"]
    customer, product = book[0][0], book[1][0]
    ContactFactory(customer=customer)
    AddressFactory(customer=customer)
    live = order_create(
        actor=admin,
        customer=customer,
        lines=[{"product": product, "quantity": Decimal("10"), "unit_price": Decimal("100")}],
        contact=customer.contacts.get(),
        shipping_address=customer.addresses.get(),
        submit=True,
    )
    shipment = shipment_create(order=live, actor=admin, carrier="顺丰速运", tracking_number="SF1", ship=True)
    shipment_deliver(shipment=shipment, actor=admin, signed_by="王经理")
    invoice = invoice_create(order=live, actor=admin, issue=True)
    payment_record(
        actor=admin,
        customer=customer,
        amount=Decimal("500"),
        received_on=datetime.date.today(),
        allocations=[{"invoice": invoice, "amount": Decimal("500")}],
    )
    rows = [["XS-9", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "10", "100", D(2025, 3, 5), "顺丰速运", "SF2",
             D(2025, 3, 8), "", D(2025, 3, 10), "500", D(2025, 4, 2), ""]]  # fmt: skip

    # when
    committed(admin, csv_file(csv_text(rows)))

    # then
    def figures(order):
        order = Order.objects.get(pk=order.pk)
        line = order.lines.get()
        invoice = order.invoices.get()
        return (
            state(order),
            (order.subtotal, order.tax_amount, order.total, order.amount_invoiced, order.amount_paid),
            (line.quantity, line.shipped_quantity, line.delivered_quantity, line.invoiced_quantity, line.unit_cost),
            (invoice.status, invoice.subtotal, invoice.tax_amount, invoice.total, invoice.amount_paid),
            order.shipments.get().status,
        )

    history = Order.objects.get(number="XS-9")
    assert figures(history) == figures(live)
    assert live.lines.get().reserved_quantity == history.lines.get().reserved_quantity == 0


def test_delivered_and_paid_in_full_closes_as_the_live_flow_closes_on_the_later_of_the_two(personas, book):
    # given: one paid after delivery, one paid before its goods were signed for (款到发货)
    admin = personas["admin"]
    rows = [
        ["XS-8", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", D(2025, 3, 5), "", "", D(2025, 3, 8),
         "", D(2025, 3, 4), "113", D(2025, 4, 2), ""],
        ["XS-9", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", D(2025, 3, 5), "", "", D(2025, 3, 8),
         "", D(2025, 3, 4), "113", D(2025, 3, 4), ""],
    ]  # fmt: skip

    # when
    committed(admin, csv_file(csv_text(rows)))

    # then
    orders = Order.objects.order_by("number")
    assert [state(order) for order in orders] == [("closed", "delivered", "invoiced", "paid")] * 2
    assert [order.closed_at.date() for order in orders] == [D(2025, 4, 2), D(2025, 3, 8)]
    assert [order.invoices.get().status for order in orders] == ["paid", "paid"]
    assert customer_exposure(book[0][0].pk) == 0


def test_each_bad_row_gets_its_own_error_by_column_and_nothing_is_written(personas, book):
    # given
    admin = personas["admin"]
    order_create(
        actor=admin,
        customer=book[0][0],
        lines=[{"product": book[1][0], "quantity": Decimal("1")}],
    )
    taken = Order.objects.get().number
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    rows = [
        ["XS-1", "KH404", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", "", "", "", "", "", "", "", "", ""],
        ["XS-2", "KH001", tomorrow, "", "", "FM-DN50", "1", "100", "", "", "", "", "", "", "", "", ""],
        ["XS-3", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", "", "", "", "", "", "", "", "", ""],
        ["XS-3", "KH002", "", "", "", "不存在", "0", "-5", "", "", "", "", "", "", "", "", ""],
        [taken, "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", "", "", "", "", "", "", "", "", ""],
        ["XS-5", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", "", "", "", "", "", D(2025, 3, 9), "", "", ""],
        ["XS-6", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", D(2025, 3, 5), "", "", "", "", D(2025, 3, 6),
         "113", "", ""],
        ["XS-7", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", D(2025, 3, 1), "", "", "", "", "", "", "", ""],
        ["XS-8", "KH001", "三月", "", "nobody", "GJ-20", "2.5x", "100", "", "", "", "", "", "", "", "", ""],
        ["", "KH001", D(2025, 3, 3), "", "", "GJ-20", "1", "100", "", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    before = (Order.objects.count(), Event.objects.count(), NumberCounter.objects.count(), stock_now())

    # when
    imp = imported(admin, csv_file(csv_text(rows)))

    # then: every row's own problems, by its column; nothing written but the import's own events
    today = datetime.date.today().isoformat()
    assert imp.status == "checked"
    assert imp.errors == [
        {"row": 2, "column": "客户", "message": "None of your customers has this code or name."},
        {"row": 3, "column": "下单日期", "message": f"This cannot be later than today ({today})."},
        {"row": 5, "column": "客户", "message": "The order's first row (4) says otherwise: leave this empty or write "
         "the same."},
        {"row": 5, "column": "产品", "message": "No product has this code or name."},
        {"row": 5, "column": "数量", "message": "Enter a quantity above zero."},
        {"row": 5, "column": "单价", "message": "The price cannot be negative."},
        {"row": 6, "column": "订单号", "message": "An order with this number is already here."},
        {"row": 7, "column": "开票日期", "message": "Give the shipping date too: an invoice bills what has shipped."},
        {"row": 8, "column": "回款日期", "message": "Give the date the money was received."},
        {"row": 9, "column": "发货日期", "message": "Goods cannot leave before the order was placed."},
        {"row": 10, "column": "下单日期", "message": "Enter a date such as 2023-03-01."},
        {"row": 10, "column": "业务员", "message": "Nobody here is called nobody."},
        {"row": 10, "column": "数量", "message": "Enter a number."},
        {"row": 11, "column": "订单号", "message": "Give the order's number."},
    ]  # fmt: skip
    assert (Order.objects.count(), Event.objects.count() - 2, NumberCounter.objects.count(), stock_now()) == before


def test_values_out_of_any_range_are_errors_never_a_crash(personas, book):
    rows = [
        ["XS-1", "KH001", "0001-01-01", "1-1-1", "", "FM-DN50", "1e400", "9" * 40, "", "", "", "", "", "", "", "", ""],
        ["XS-2", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", D(2025, 3, 5), "X" * 80, "单号 12",
         D(2025, 3, 6), "F" * 40, D(2025, 3, 7), "9" * 40, D(2025, 3, 8), ""],
        ["XS-3", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", D(2025, 3, 5), "", "", "", "", D(2025, 3, 7),
         "500", D(2025, 3, 8), ""],
    ]  # fmt: skip

    imp = imported(personas["admin"], csv_file(csv_text(rows)))

    assert imp.status == "checked"
    assert {(e["row"], e["column"]) for e in imp.errors} == {
        (2, "下单日期"),
        (2, "交货日期"),
        (2, "数量"),
        (2, "单价"),
        (3, "物流公司"),
        (3, "运单号"),
        (4, "回款金额"),
    }
    assert Order.objects.count() == 0


def test_without_the_right_to_ship_or_invoice_the_rows_saying_so_are_errors(personas, book):
    # given: a rep may enter orders, not ship, invoice or take money
    rep = personas["rep1"]
    rows = [
        ["XS-1", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", D(2025, 3, 5), "", "", "", "", D(2025, 3, 6),
         "113", D(2025, 3, 7), ""],
        ["XS-2", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", "", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip

    imp = imported(rep, csv_file(csv_text(rows)))

    assert imp.errors == [
        {"row": 2, "column": "发货日期", "message": "You may not record shipments."},
        {"row": 2, "column": "开票日期", "message": "You may not issue invoices."},
        {"row": 2, "column": "回款日期", "message": "You may not record payments."},
    ]


def test_a_customer_out_of_the_importers_sight_is_not_found(personas, book):
    rows = [["XS-1", "KH001", D(2025, 3, 3), "", "", "FM-DN50", "1", "100", "", "", "", "", "", "", "", "", ""]]

    imp = imported(personas["rep3"], csv_file(csv_text(rows)))

    assert imp.errors == [{"row": 2, "column": "客户", "message": "None of your customers has this code or name."}]


def test_the_live_numbering_never_hands_out_an_imported_number(personas, book):
    # given: the company's own numbers happen to follow Gendan's patterns, this month's among them
    admin = personas["admin"]
    this_month = datetime.date.today().strftime("%Y%m")
    rows = [
        [f"SO{this_month}00042", "KH001", datetime.date.today(), "", "", "FM-DN50", "1", "100",
         datetime.date.today(), "", "", "", f"INV{this_month}00007", datetime.date.today(), "", "", ""],
    ]  # fmt: skip

    # when
    committed(admin, csv_file(csv_text(rows)))
    live = order_create(actor=admin, customer=book[0][0], lines=[{"product": book[1][0], "quantity": Decimal("2")}])

    # then
    assert live.number == f"SO{this_month}00043"
    assert NumberCounter.objects.get(doc_type="invoice", period=this_month).last_value == 7


def test_the_sales_of_the_historical_month_count_them_on_their_days(personas, book):
    # given: the daily figures built before the import, as on a running site
    admin = personas["admin"]
    rollups.build(force=True)

    # when
    committed(admin, csv_file(csv_text(ROWS)))

    # then: read from the daily figures (refreshed from the records the import's events named) as from the records
    march = (D(2025, 3, 1), D(2025, 3, 31))
    sales = get_metric("sales").compute(admin, *march, group_by="day")
    assert sales.total == Decimal("1200") + Decimal("1000") + Decimal("200") * 2 + Decimal("1000")
    assert {row.key: row.value for row in sales.rows if row.value} == {
        "2025-03-03": Decimal("1200"),
        "2025-03-10": Decimal("1000"),
        "2025-03-12": Decimal("200"),
        "2025-03-20": Decimal("200"),
        "2025-03-21": Decimal("1000"),
    }
    assert get_metric("invoiced").compute(admin, *march).total == Decimal("1356") + Decimal("1130") * 2
    assert get_metric("collected").compute(admin, *march).total == Decimal("500")
    assert get_metric("collected").compute(admin, D(2025, 4, 1), D(2025, 4, 30)).total == Decimal("1356")
    assert get_metric("shipments").compute(admin, *march).total == 4
    assert Order.objects.aggregate(total=Sum("subtotal"))["total"] == sales.total
    assert sorted(DailyFigure.objects.filter(part__startswith="sales", amount__gt=0).values_list("day", "amount")) == [
        (D(2025, 3, 3), Decimal("1200")),
        (D(2025, 3, 10), Decimal("1000")),
        (D(2025, 3, 12), Decimal("200")),
        (D(2025, 3, 20), Decimal("200")),
        (D(2025, 3, 21), Decimal("1000")),
    ]


def test_no_reminder_or_notice_comes_of_the_past(personas, book):
    # given: the shipped rules include reminders of invoices' due dates and orders' promised dates
    admin = personas["admin"]
    assert set(Rule.objects.filter(trigger="date", is_active=True).values_list("target_model", flat=True)) >= {
        "finance.invoice",
        "sales.order",
    }
    committed(admin, csv_file(csv_text(ROWS)))

    # when: the outbox hands every event of the import to the rules, shipped ones included
    for event in Event.objects.order_by("pk"):
        handle_event(event)

    # then
    assert (ScheduledCheck.objects.count(), Task.objects.count(), Notification.objects.count()) == (0, 0, 0)


def test_an_open_order_ships_later_through_the_live_flow_and_one_beyond_todays_stock_is_refused(personas, book):
    # given: stock of 100 GJ-20 today
    admin = personas["admin"]
    rows = [
        ["XS-10", "KH001", D(2025, 3, 20), "", "", "GJ-20", "30", "50", "", "", "", "", "", "", "", "", ""],
        ["XS-11", "KH001", D(2025, 3, 21), "", "", "GJ-20", "80", "50", "", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip

    # when: together they want 110
    refused = imported(admin, csv_file(csv_text(rows)))

    # then: the second is refused by name, and nothing is reserved by the dry run
    warehouse = StockLevel.objects.get(product__sku="GJ-20").warehouse
    assert [(e["row"], e["message"]) for e in refused.errors] == [
        (3, f"Not enough stock of GJ-20 管件 in {warehouse}: 80 needed, 70 available.")
    ]
    assert StockLevel.objects.get(product__sku="GJ-20").reserved == 0

    # when: the first alone, then shipped in Gendan as any confirmed order
    committed(admin, csv_file(csv_text(rows[:1])))
    order = Order.objects.get(number="XS-10")
    shipment_create(order=order, actor=admin, delivery_method="pickup", ship=True)

    order.refresh_from_db()
    assert (order.status, order.lines.get().shipped_quantity) == ("shipped", 30)
    level = StockLevel.objects.get(product__sku="GJ-20")
    assert (level.on_hand, level.reserved) == (70, 0)
