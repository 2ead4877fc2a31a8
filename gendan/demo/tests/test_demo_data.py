"""The demo company `make run` loads: every role, every order stage, real ledgers, loaded once."""

import datetime
import io
import stat
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from gendan.accounts.models import Department, User
from gendan.analytics.models import Alert, SavedReport, Target
from gendan.catalog.models import Product
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import Customer
from gendan.demo.company import DAYS, HISTORY_MONTHS, PASSWORD_ENV, USERNAMES
from gendan.finance.models import Invoice, Payment, Statement
from gendan.inventory.models import StockLevel, StockMove, Warehouse
from gendan.sales.models import Order
from gendan.sales.services import order_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(tmp_path, settings, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    return tmp_path


def run(command, *args):
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_the_demo_has_every_role_every_stage_and_consistent_ledgers(var_dir):
    # when
    output = run("load_demo_data")

    # then: people
    history = Order.objects.filter(created_at__lt=timezone.now() - datetime.timedelta(days=DAYS + 1))
    recent = Order.objects.exclude(pk__in=history)
    assert f"11 users, 36 customers, 20 products, {40 + history.count()} orders" in output
    users = {u.username: u for u in User.objects.select_related("department__parent")}
    assert sorted(users) == sorted(USERNAMES)
    assert {u.role for u in users.values()} >= {
        "admin",
        "sales_manager",
        "sales_rep",
        "order_follower",
        "warehouse",
        "logistics",
        "finance",
        "after_sales",
        "executive",
    }
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert (users["rep1"].department.name, users["rep1"].department.parent.name) == ("华东组", "销售部")
    assert users["rep2"].department == users["rep1"].department
    assert users["rep3"].department.name == "华南组"
    leaders = dict(Department.objects.values_list("name", "leader__username"))
    assert leaders == {
        "销售部": "boss1",
        "华东组": "manager1",
        "华南组": "rep3",
        "运营部": "warehouse1",
        "财务部": "finance1",
    }
    assert str(users["rep1"]) == "李娜"

    # then: customers spread over the three reps, each ready to order
    owners = Counter(Customer.objects.values_list("owner__username", flat=True))
    assert set(owners) == {"rep1", "rep2", "rep3"}
    assert Customer.objects.filter(contacts__isnull=False, addresses__isnull=False).distinct().count() == 36
    assert set(Customer.objects.values_list("addresses__province", flat=True)) == {
        "上海市",
        "江苏省",
        "浙江省",
        "安徽省",
        "山东省",
        "广东省",
        "福建省",
    }

    # then: orders of the last two months at every stage
    assert Counter(recent.values_list("status", flat=True)) == {
        # one made from an accepted quotation (gendan/demo/quotations.py), one past its customer's credit limit
        # (gendan/demo/receivables.py)
        "draft": 6,
        "pending_approval": 3,
        "confirmed": 6,
        "partially_shipped": 3,
        "shipped": 4,
        "delivered": 11,
        "closed": 6,
        "cancelled": 2,
        "on_hold": 2,
    }
    assert Counter(recent.values_list("payment_status", flat=True)) == {
        "unpaid": 34,
        "partially_paid": 3,
        "paid": 6,
    }
    assert Counter(recent.values_list("billing_status", flat=True))["invoiced"] == 13
    assert Invoice.objects.filter(status="issued").count() == 7
    assert Invoice.objects.exclude(order__in=history).filter(status="paid").count() == 6
    # the tenth: the deposit of the order paid in instalments, not yet used by an invoice
    assert Payment.objects.exclude(order__in=history).exclude(allocations__invoice__order__in=history).count() == 10
    planned = Order.objects.get(notes__contains="定金")
    assert [(i.percent, i.basis, i.status) for i in planned.instalments.order_by("position")] == [
        (Decimal("30.00"), "confirmation", "paid"),
        (Decimal("70.00"), "delivery", "open"),
    ]
    assert Payment.objects.get(order=planned).unallocated_amount == planned.instalments.get(position=1).amount
    # every customer can be sent a reminder
    assert not Customer.objects.filter(email="").exists()

    # then: last month's statement for finance to send, and a draft the credit limit refuses until an override
    statement = Statement.objects.get()
    assert statement.status == "draft" and statement.lines
    over = Order.objects.get(status="draft", notes__contains="信用额度")
    with pytest.raises(ApplicationError) as refused:
        order_submit(order=over, actor=over.owner)
    assert refused.value.code == ErrorCode.CREDIT_LIMIT_EXCEEDED

    # then: the stock ledger explains every stock level
    assert Product.objects.count() == 20
    assert sorted(Warehouse.objects.values_list("name", flat=True)) == ["上海仓", "广州仓"]
    moves = {
        (row["product_id"], row["warehouse_id"], row["kind"]): row["total"]
        for row in StockMove.objects.values("product_id", "warehouse_id", "kind").annotate(total=Sum("quantity"))
    }
    for level in StockLevel.objects.all():

        def total(*kinds, level=level):
            return sum(
                (moves.get((level.product_id, level.warehouse_id, k), Decimal("0")) for k in kinds), Decimal("0")
            )

        assert level.on_hand == total("receipt", "adjustment", "shipment")
        assert level.reserved == total("reservation", "release", "shipment")

    # then: the last two months replayed step by step, recorded by the services
    first, last = recent.order_by("created_at")[0], recent.order_by("-created_at")[0]
    assert (last.created_at - first.created_at).days >= 40
    assert Event.objects.filter(verb="order.closed").count() == 6 + history.count()
    assert Event.objects.filter(verb="order.approved").exists()

    # then: eighteen months before them, every order of which went the whole road, so that trends show
    assert set(history.values_list("status", "payment_status", "billing_status")) == {("closed", "paid", "invoiced")}
    by_month = Counter(
        (confirmed.year, confirmed.month)
        for confirmed in (timezone.localtime(moment) for moment in history.values_list("confirmed_at", flat=True))
    )
    today = timezone.localdate()
    months = [(today.year * 12 + today.month - 1 - back) for back in range(HISTORY_MONTHS, 2, -1)]
    assert all(by_month[(month // 12, month % 12 + 1)] > 0 for month in months)
    # new customers came in over those months, not all at once
    assert Customer.objects.filter(created_at__lt=history.order_by("created_at")[0].created_at).count() == 12
    assert len({c.date() for c in Customer.objects.values_list("created_at", flat=True)}) > 20
    # the history paid before the last two months began: their credit checks meet nothing open from it
    assert not Invoice.objects.filter(order__in=history).exclude(status="paid").exists()

    # then: this year's targets, the manager's weekly report against them for the department, and alerts raised
    month = timezone.localdate().month
    assert Target.objects.filter(period="month", month=month, owner__username__in=["rep1", "rep2", "rep3"]).count() == 3
    weekly = SavedReport.objects.get(owner__username="manager1")
    assert (weekly.schedule, weekly.shared_with.name, weekly.measures[:2]) == (
        "weekly",
        "销售部",
        ["sales", "target:sales"],
    )
    assert set(Alert.objects.values_list("recipient__username", flat=True)) == {"boss1", "manager1"}


def test_make_run_loads_once_keeps_the_password_and_prints_the_logins(var_dir):
    # given
    run("load_demo_data", "--history-months=0")
    password_file = var_dir / "demo_password"
    password = password_file.read_text().strip()
    orders = Order.objects.count()

    # when
    again = run("load_demo_data")
    logins = run("demo_logins")

    # then
    assert "already has users" in again
    assert Order.objects.count() == orders
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert User.objects.get(username="finance1").check_password(password)
    assert f"Password (the same for all): {password}" in logins
    for username in USERNAMES:
        assert f"  {username} " in logins


def test_the_password_comes_from_the_environment_when_set(var_dir, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "demo-pass-42")
    User.objects.create_user(username="someone")  # not empty: nothing is loaded, nothing hashed

    assert "already has users" in run("load_demo_data")
    assert not (var_dir / "demo_password").exists()
    assert run("demo_logins") == "No demo users in this database.\n"
