"""A realistic data set of any size, fast: years of orders with their whole history, into a fresh database.

People with the demo company's roles and departments (more reps in more teams as the data
grows), about one customer per ten orders (contacts and addresses across reps and regions),
one product per 500 orders (at least 50) stocked in two or three warehouses, and the orders
spread over several years: lines, shipments with carrier and tracking number, invoices,
payments with their allocations, approvals, tasks and notices, and the event log as the
services record it. Statuses, shipped / invoiced quantities and amounts agree as the
services would leave them; the database's constraints check every row on the way in.

Written with plain `Model(...)` and Django's `bulk_create`, in chunks of orders, one
transaction per chunk, with primary keys counted from each table's largest id (so rows can
point at each other without reading them back); computed in Python from a seeded random
generator, not through the services (those would take hours for a million orders). The
stock ledger holds one receipt, reservation and shipment move per product and warehouse,
summing the orders. Numbering counters end past every number handed out, and the outbox
cursor past the generated events (history is not re-sent to subscribers).

    .venv/bin/python bench/generate.py --orders 100000
    .venv/bin/python bench/generate.py --orders 100000 --database-url postgres://postgres@127.0.0.1:5432/gendan_big
    .venv/bin/python bench/generate.py --orders 1000000 --var-dir /tmp/gendan-1m --json bench/results/generate.json

SQLite by default, in `--var-dir` (a new temporary directory when not given; kept, since
the point is to use it afterwards: its path is printed). With --database-url the database
named there must be empty (it is created when missing). Everyone's password is
$GENDAN_DEMO_PASSWORD, or one generated and kept in the var dir as for the demo.
"""

import argparse
import bisect
import datetime
import json
import os
import random
import resource
import sys
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 20250601
YEARS = 5
CHUNK = 5000
# Most parameters one INSERT may carry on PostgreSQL is 65,535; SQLite's lower limit is applied by Django itself.
MAX_PARAMS = 60000

# Teams beyond the demo company's two, for data sets with more reps: key, name, region, cities.
EXTRA_TEAMS = [
    ("north", "华北组"),
    ("west", "西南组"),
]
EXTRA_CITIES = [
    ("北京市", "北京市", ["朝阳区", "海淀区", "大兴区"], "100000", "010", "north"),
    ("天津市", "天津市", ["滨海新区", "西青区"], "300000", "022", "north"),
    ("河北省", "石家庄市", ["长安区", "裕华区"], "050000", "0311", "north"),
    ("四川省", "成都市", ["高新区", "双流区", "郫都区"], "610000", "028", "west"),
    ("重庆市", "重庆市", ["渝北区", "九龙坡区"], "400000", "023", "west"),
]
REGIONS = {"east": "华东", "south": "华南", "north": "华北", "west": "西南"}
# Which warehouse ships each team's orders; BJ exists only when the north team does.
TEAM_WAREHOUSE = {"east": "SH", "south": "GZ", "north": "BJ", "west": "GZ"}
WAREHOUSES = [
    ("SH", "上海仓", "上海市嘉定区安亭镇墨玉路185号"),
    ("GZ", "广州仓", "广州市黄埔区开发大道348号"),
    ("BJ", "北京仓", "北京市大兴区亦庄经济开发区科创街18号"),
]

# What becomes of an order, by how many days ago it was entered: (up to days, [(status, weight)]).
# "delivered" covers delivered orders not (fully) paid yet; "closed" delivered and paid.
STATUS_BY_AGE = [
    (
        7,
        [
            ("draft", 20),
            ("pending_approval", 10),
            ("confirmed", 33),
            ("partially_shipped", 8),
            ("shipped", 15),
            ("delivered", 3),
            ("on_hold", 4),
            ("cancelled", 5),
        ],
    ),
    (
        30,
        [
            ("draft", 4),
            ("pending_approval", 3),
            ("confirmed", 14),
            ("partially_shipped", 7),
            ("shipped", 18),
            ("delivered", 26),
            ("closed", 18),
            ("on_hold", 4),
            ("cancelled", 6),
        ],
    ),
    (
        90,
        [
            ("confirmed", 3),
            ("partially_shipped", 2),
            ("shipped", 4),
            ("delivered", 20),
            ("closed", 62),
            ("on_hold", 3),
            ("cancelled", 6),
        ],
    ),
    (None, [("delivered", 3), ("closed", 90), ("on_hold", 1), ("cancelled", 6)]),
]
SHIPPING = {"partially_shipped", "shipped", "delivered", "closed"}
CONFIRMED = SHIPPING | {"confirmed", "on_hold"}
HOLD_REASONS = ["前期货款逾期未付，暂停发货", "客户要求延后交货", "等待客户确认技术参数"]
CANCEL_REASONS = ["客户项目延期，取消订单", "客户改选其他型号", "价格未谈妥"]
TASK_TITLES = ["跟进交期", "确认收货", "催收货款", "回访客户", "核对发票信息"]
NOTICE_TITLES = {
    "order.shipped": "订单 {number}（{customer}）已发货",
    "order.delivered": "订单 {number}（{customer}）已签收",
    "order.closed": "订单 {number}（{customer}）已结案",
}
PAYMENT_METHODS = ["bank_transfer", "bank_transfer", "bank_transfer", "acceptance_bill", "wechat", "alipay"]


class Ids:
    """The next primary key of each model, counted from the table's largest id at the start."""

    def __init__(self):
        self.next = {}

    def take(self, model, count=1) -> int:
        if model not in self.next:
            largest = model.objects.order_by("-pk").values_list("pk", flat=True).first()
            self.next[model] = (largest or 0) + 1
        first = self.next[model]
        self.next[model] = first + count
        return first


class Numbers:
    """Document numbers in the project's patterns, counted per period as numbering.next_number would."""

    def __init__(self, zone):
        from gendan.core import numbering

        self.numbering = numbering
        self.zone = zone
        self.last = {}

    def next(self, doc_type: str, moment) -> str:
        pattern = self.numbering.pattern_for(doc_type)
        local = moment.astimezone(self.zone)
        period = self.numbering._period_of(pattern, local)
        seq = self.last.get((doc_type, period), 0) + 1
        self.last[(doc_type, period)] = seq
        return self.numbering.format_number(pattern, local, seq)

    def counters(self):
        from gendan.core.models import NumberCounter

        return [NumberCounter(doc_type=d, period=p, last_value=v) for (d, p), v in self.last.items()]


@contextmanager
def stamps_as_given():
    """Let bulk_create keep the created / updated times computed here instead of stamping now.

    auto_now and auto_now_add are switched off on every model's date fields for the duration,
    and back on afterwards, so the services stamp as usual once the generator is done.
    """
    from django.apps import apps
    from django.db.models import DateField

    switched = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, DateField) and (field.auto_now or field.auto_now_add):
                switched.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in switched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def insert(model, rows, counts) -> None:
    if not rows:
        return
    fields = len(model._meta.concrete_fields)
    model.objects.bulk_create(rows, batch_size=max(1, MAX_PARAMS // fields))
    counts[model._meta.label] = counts.get(model._meta.label, 0) + len(rows)


class Generator:
    def __init__(self, orders: int, seed: int, password: str, years: int = YEARS, chunk: int = CHUNK, now=None):
        from django.utils import timezone

        from gendan.demo import company

        self.demo = company
        self.orders = orders
        self.rng = random.Random(seed)
        self.password = password
        self.chunk = chunk
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.start = self.now - datetime.timedelta(days=365 * years)
        self.zone = timezone.get_current_timezone()
        self.ids = Ids()
        self.numbers = Numbers(self.zone)
        self.counts = {}
        self.stock = {}  # (product id, warehouse id) -> [reserved, shipped]

    # --- the company -------------------------------------------------------------------------

    def people(self) -> None:
        from django.contrib.auth.hashers import make_password

        from gendan.accounts.models import Department, User
        from gendan.accounts.roles import Role
        from gendan.sales.models import ApprovalRule

        rep_count = max(3, min(200, self.orders // 20000))
        teams = ["east", "south"] + ([key for key, _name in EXTRA_TEAMS] if rep_count > 3 else [])
        names = dict(EXTRA_TEAMS)
        departments = {}
        for key, name, parent, _leader in self.demo.DEPARTMENTS:
            departments[key] = Department.objects.create(name=name, parent=departments.get(parent))
        for key in teams[2:]:
            departments[key] = Department.objects.create(name=names[key], parent=departments["sales"])
        encoded = make_password(self.password)
        people = list(self.demo.PEOPLE)
        extra_teams = teams[2:] + teams[:2]
        for number in range(4, rep_count + 1):
            team = extra_teams[(number - 4) % len(extra_teams)]
            people.append(
                (
                    f"rep{number}",
                    Role.SALES_REP,
                    self.demo.SURNAMES[number % len(self.demo.SURNAMES)] + f"{number}",
                    team,
                )
            )
        self.users = {}
        for username, role, display_name, department in people:
            self.users[username] = User.objects.create(
                username=username,
                first_name=display_name,
                role=role,
                department=departments.get(department),
                email=f"{username}@demo.gendan.local",
                password=encoded,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
        approving = {Role.SALES_MANAGER, Role.EXECUTIVE, Role.ADMIN}
        self.approvers = sorted(user.pk for user in self.users.values() if user.role in approving)
        shipped = ApprovalRule.objects.get(system_key="price_and_discount")
        self.approval_levels = [{"rule": shipped.name, **level} for level in shipped.levels]
        for key, _name, _parent, leader in self.demo.DEPARTMENTS:
            departments[key].leader = self.users[leader]
            departments[key].save(update_fields=["leader", "updated_at"])
        self.reps = {team: [] for team in teams}
        for username, role, _name, department in people:
            if role == Role.SALES_REP:
                self.reps[department].append(self.users[username])
        for key in teams[2:]:
            departments[key].leader = self.reps[key][0]
            departments[key].save(update_fields=["leader", "updated_at"])
        self.cities = [city for city in self.demo.CITIES + EXTRA_CITIES if city[5] in self.reps]

    def warehouses_and_staff(self) -> None:
        from gendan.inventory.models import Warehouse

        staff = [self.users["warehouse1"], self.users["logistics1"]]
        codes = {TEAM_WAREHOUSE[team] for team in self.reps}
        self.warehouses = {}
        for code, name, address in WAREHOUSES:
            if code in codes:
                warehouse = Warehouse.objects.create(code=code, name=name, address=address)
                warehouse.staff.set(staff)
                self.warehouses[code] = warehouse

    def catalogue(self) -> None:
        from gendan.catalog.models import Product, UnitOfMeasure

        decimals = dict(UnitOfMeasure.objects.values_list("code", "decimals"))
        count = max(50, self.orders // 500)
        when = self.start - datetime.timedelta(days=30)
        first = self.ids.take(Product, count)
        rows = []
        for index in range(count):
            sku, name, unit, list_price = self.demo.PRODUCTS[index % len(self.demo.PRODUCTS)]
            series = index // len(self.demo.PRODUCTS)
            price = (Decimal(list_price) * (1 + Decimal(series % 7) / 10)).quantize(Decimal("0.01"))
            rows.append(
                Product(
                    id=first + index,
                    sku=f"{sku}-{series:04d}",
                    name=f"{name} {series + 1}型" if series else name,
                    unit=unit,
                    unit_decimals=decimals[unit],
                    list_price=price,
                    floor_price=(price * Decimal("0.85")).quantize(Decimal("0.01")),
                    cost=(price * Decimal("0.62")).quantize(Decimal("0.01")),
                    created_at=when,
                    updated_at=when,
                )
            )
        insert(Product, rows, self.counts)
        self.products = [(p.id, p.sku, p.list_price, p.floor_price, p.cost) for p in rows]

    def customers(self) -> None:
        """About one customer per ten orders, entered over the years before the orders they place."""
        from gendan.core.models import Event
        from gendan.crm.models import Address, Contact, Customer

        count = max(30, self.orders // 10)
        self.customer_rows = []  # (id, name, owner id, contact id, contact name, address id, ship-to, team)
        self.customer_times = []
        customer_type = self.content_type(Customer)
        span = (self.now - self.start).total_seconds()
        names = set()
        for first_index in range(0, count, self.chunk * 2):
            customers, contacts, addresses, events = [], [], [], []
            last_index = min(count, first_index + self.chunk * 2)
            customer_id = self.ids.take(Customer, last_index - first_index)
            for index in range(first_index, last_index):
                # Half were customers before the period starts; the rest arrive along the way.
                moment = self.start + datetime.timedelta(seconds=max(0.0, (index / count - 0.5) * 2) * span * 0.95)
                moment -= datetime.timedelta(days=self.rng.randint(1, 30), minutes=self.rng.randint(0, 600))
                province, city, districts, postal, area, team = self.cities[index % len(self.cities)]
                owner = self.reps[team][(index // len(self.cities)) % len(self.reps[team])]
                name = self.company_name(city, names)
                contact_name = self.person()
                contact_id = self.ids.take(Contact)
                contacts.append(
                    Contact(
                        id=contact_id,
                        customer_id=customer_id,
                        name=contact_name,
                        phone=self.mobile(),
                        title=self.rng.choice(self.demo.TITLES),
                        created_at=moment,
                        updated_at=moment,
                    )
                )
                if self.rng.random() < 0.4:
                    contacts.append(
                        Contact(
                            id=self.ids.take(Contact),
                            customer_id=customer_id,
                            name=self.person(),
                            phone=self.mobile(),
                            title=self.rng.choice(self.demo.TITLES),
                            created_at=moment,
                            updated_at=moment,
                        )
                    )
                district = self.rng.choice(districts)
                street = f"{self.rng.choice(self.demo.ROADS)}{self.rng.randint(1, 999)}号"
                phone = self.mobile()
                address_id = self.ids.take(Address)
                addresses.append(
                    Address(
                        id=address_id,
                        customer_id=customer_id,
                        recipient=contact_name,
                        phone=phone,
                        province=province,
                        city=city,
                        district=district,
                        street=street,
                        postal_code=postal,
                        created_at=moment,
                        updated_at=moment,
                    )
                )
                customers.append(
                    Customer(
                        id=customer_id,
                        code=self.numbers.next("customer", moment),
                        name=name,
                        phone=f"{area}-{self.rng.randint(5000_0000, 8999_9999)}",
                        level=self.rng.choice("ABBC"),
                        industry=self.demo.INDUSTRIES[self.rng.choice(self.demo.TRADES)],
                        region=REGIONS[team],
                        source=self.rng.choice(self.demo.SOURCES),
                        owner_id=owner.id,
                        credit_limit=Decimal(self.rng.choice([50000, 100000, 200000, 500000])),
                        payment_terms_days=self.rng.choice([30, 30, 45, 60]),
                        quiet_since=moment,
                        created_at=moment,
                        updated_at=moment,
                    )
                )
                events.append(
                    (
                        moment,
                        owner.id,
                        "customer.created",
                        customer_type,
                        customer_id,
                        name,
                        None,
                        None,
                        {},
                        {"owner": owner.id, "contacts": 1, "addresses": 1},
                    )
                )
                ship_to = f"{province}{city}{district}{street} {contact_name} {phone}"
                self.customer_rows.append(
                    (customer_id, name, owner.id, contact_id, contact_name, address_id, ship_to, team)
                )
                self.customer_times.append(moment.timestamp())
                customer_id += 1
            insert(Customer, customers, self.counts)
            insert(Contact, contacts, self.counts)
            insert(Address, addresses, self.counts)
            insert(Event, self.events(events), self.counts)
        # Entered out of time order above (half before the period): order them for the bisect below.
        order = sorted(range(len(self.customer_times)), key=self.customer_times.__getitem__)
        self.customer_rows = [self.customer_rows[i] for i in order]
        self.customer_times = [self.customer_times[i] for i in order]

    # --- orders ------------------------------------------------------------------------------

    def order_moment(self, index: int) -> datetime.datetime:
        """Orders in id order over the period, on working hours (09:00–18:00 local)."""
        days = (self.now - self.start).days
        position = index * days / self.orders
        day = int(position)
        local = datetime.datetime.combine(
            (self.start + datetime.timedelta(days=day)).astimezone(self.zone).date(),
            datetime.time(9),
            tzinfo=self.zone,
        )
        moment = local + datetime.timedelta(seconds=int((position - day) * 9 * 3600))
        # In UTC, as the rest: the SQLite backend writes UTC datetimes without converting them.
        return min(moment.astimezone(datetime.UTC), self.now - datetime.timedelta(minutes=5))

    def status_for(self, moment) -> str:
        age = (self.now - moment).days
        for up_to, weights in STATUS_BY_AGE:
            if up_to is None or age <= up_to:
                statuses, counts = zip(*weights, strict=True)
                return self.rng.choices(statuses, counts)[0]
        raise AssertionError("unreachable")

    def orders_all(self, progress) -> None:
        started = time.perf_counter()
        rows_before = sum(self.counts.values())
        for first in range(0, self.orders, self.chunk):
            last = min(self.orders, first + self.chunk)
            self.order_chunk(first, last)
            elapsed = time.perf_counter() - started
            rows = sum(self.counts.values()) - rows_before
            progress(
                f"  orders {last:>9,} / {self.orders:,}   rows {rows:>11,}   {elapsed:7.1f} s   "
                f"{rows / max(elapsed, 1e-9):>9,.0f} rows/s"
            )

    def order_chunk(self, first: int, last: int) -> None:
        from django.db import transaction

        from gendan.automation.models import Notification, Task
        from gendan.core.models import Event
        from gendan.finance.models import Invoice, InvoiceLine, Payment, PaymentAllocation
        from gendan.fulfillment.models import Shipment, ShipmentLine
        from gendan.sales.models import ApprovalRequest, ApprovalStep, Order, OrderLine

        self.rows = {
            model: []
            for model in (
                Order,
                OrderLine,
                ApprovalRequest,
                ApprovalStep,
                Shipment,
                ShipmentLine,
                Invoice,
                InvoiceLine,
                Payment,
                PaymentAllocation,
                Task,
                Notification,
            )
        }
        self.chunk_events = []
        for index in range(first, last):
            self.one_order(index)
        with transaction.atomic():
            for model, rows in self.rows.items():
                insert(model, rows, self.counts)
            insert(Event, self.events(self.chunk_events), self.counts)
        self.rows = self.chunk_events = None

    def one_order(self, index: int) -> None:
        from gendan.automation.models import Task
        from gendan.finance.models import Invoice, InvoiceLine, Payment, PaymentAllocation
        from gendan.fulfillment.models import Shipment, ShipmentLine
        from gendan.sales.lines import line_amount, order_totals
        from gendan.sales.models import ApprovalRequest, ApprovalStep, Order, OrderLine

        rng = self.rng
        rows = self.rows
        created = self.order_moment(index)
        status = self.status_for(created)
        reach = bisect.bisect_right(self.customer_times, created.timestamp())
        customer_id, customer_name, owner_id, contact_id, contact_name, address_id, ship_to, team = self.customer_rows[
            rng.randrange(max(1, reach))
        ]
        warehouse_id = self.warehouses[TEAM_WAREHOUSE[team]].id
        order_id = self.ids.take(Order)
        number = self.numbers.next("sales_order", created)
        cancelled_after_confirming = status == "cancelled" and rng.random() < 0.5

        # The steps' times: each some hours or days after the one before, all of them in the past.
        submitted = created + datetime.timedelta(minutes=rng.randint(5, 180))
        held = submitted + datetime.timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 6))
        shipped_at = submitted + datetime.timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 6))
        delivered_at = shipped_at + datetime.timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 6))
        invoiced_at = delivered_at + datetime.timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 6))
        paid_at = invoiced_at + datetime.timedelta(days=rng.randint(5, 60), hours=rng.randint(0, 6))
        latest = self.now - datetime.timedelta(minutes=1)
        if paid_at > latest:
            # A young order that got far: everything happened faster.
            scale = (latest - created) / (paid_at - created)
            submitted, held, shipped_at, delivered_at, invoiced_at, paid_at = (
                created + (moment - created) * scale
                for moment in (submitted, held, shipped_at, delivered_at, invoiced_at, paid_at)
            )

        # Lines
        line_count = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5])
        if status == "partially_shipped":
            line_count = max(2, line_count)
        products = rng.sample(self.products, line_count)
        line_id = self.ids.take(OrderLine, line_count)
        lines = []
        # One order in ten went below a floor price and waited for a manager (approved by now unless pending).
        approved = (status in CONFIRMED or cancelled_after_confirming) and rng.random() < 0.1
        below_floor = status == "pending_approval" or approved
        reasons = []
        for position, (product_id, sku, list_price, floor_price, cost) in enumerate(products, start=1):
            quantity = Decimal(rng.randint(1, 6) if list_price > 1000 else rng.choice([2, 5, 10, 12, 20, 30, 50]))
            unit_price, discount = list_price, Decimal("0")
            if position == 1 and below_floor:
                unit_price = (floor_price * Decimal("0.93")).quantize(Decimal("0.01"))
                reasons.append(
                    {
                        "code": "below_floor_price",
                        "line": position,
                        "product": sku,
                        "net_price": str(unit_price),
                        "floor_price": str(floor_price),
                    }
                )
            elif rng.random() < 0.3:
                discount = Decimal(rng.choice([3, 5, 8]))
            lines.append(
                OrderLine(
                    id=line_id + position - 1,
                    order_id=order_id,
                    position=position,
                    product_id=product_id,
                    quantity=quantity,
                    unit_price=unit_price,
                    discount_percent=discount,
                    amount=line_amount(quantity, unit_price, discount),
                    unit_cost=cost,
                    created_at=created,
                    updated_at=created,
                )
            )
        tax_rate = Decimal("13.00")
        subtotal, tax_amount, total = order_totals([line.amount for line in lines], tax_rate)
        order = Order(
            id=order_id,
            number=number,
            customer_id=customer_id,
            contact_id=contact_id,
            shipping_address_id=address_id,
            shipping_address_text=ship_to if status != "draft" else "",
            warehouse_id=warehouse_id,
            owner_id=owner_id,
            created_by_id=owner_id,
            status=status,
            priority=rng.choice(["normal", "normal", "normal", "normal", "high", "urgent", "low"]),
            requested_date=(created + datetime.timedelta(days=rng.randint(7, 21))).date(),
            customer_reference=f"PO-{created:%y%m}{rng.randint(100, 999)}" if rng.random() < 0.6 else "",
            tax_rate=tax_rate,
            subtotal=subtotal,
            tax_amount=tax_amount,
            total=total,
            created_at=created,
            updated_at=created,
        )
        order_type = self.order_type
        events = self.chunk_events

        def event(moment, actor_id, verb, changes=None, data=None):
            events.append((moment, actor_id, verb, order_type, order_id, number, None, None, changes or {}, data or {}))

        def child_event(moment, actor_id, verb, content_type, object_id, object_repr, changes=None, data=None):
            events.append(
                (
                    moment,
                    actor_id,
                    verb,
                    content_type,
                    object_id,
                    object_repr,
                    order_type,
                    order_id,
                    changes or {},
                    data or {},
                )
            )

        event(created, owner_id, "order.created", data={"customer": customer_id, "total": total, "lines": line_count})
        version = 1
        last_change = created
        if status == "cancelled" and not cancelled_after_confirming:
            order.cancel_reason = rng.choice(CANCEL_REASONS)
            event(
                submitted,
                owner_id,
                "order.cancelled",
                {"status": ["draft", "cancelled"]},
                {"reason": order.cancel_reason},
            )
            version, last_change = 2, submitted
        elif status == "pending_approval":
            order.submitted_at = submitted
            event(
                submitted,
                owner_id,
                "order.submitted",
                {"status": ["draft", "pending_approval"]},
                {"approval_reasons": reasons},
            )
            request_id = self.ids.take(ApprovalRequest)
            rows[ApprovalRequest].append(
                ApprovalRequest(
                    id=request_id,
                    order_id=order_id,
                    reasons=reasons,
                    levels=self.approval_levels,
                    requested_by_id=owner_id,
                    created_at=submitted,
                    updated_at=submitted,
                )
            )
            # The shipped rule's one level: whoever may approve (the sales manager, the executive, the admin).
            rows[ApprovalStep] += [
                ApprovalStep(request_id=request_id, level=1, approver_id=approver)
                for approver in self.approvers
                if approver != owner_id
            ]
            version, last_change = 2, submitted
        elif approved:
            manager = self.users["manager1"].id
            decided = submitted + (held - submitted) / 3
            order.submitted_at, order.confirmed_at = submitted, decided
            event(
                submitted,
                owner_id,
                "order.submitted",
                {"status": ["draft", "pending_approval"]},
                {"approval_reasons": reasons},
            )
            event(decided, manager, "order.approved", {"status": ["pending_approval", "confirmed"]})
            request_id = self.ids.take(ApprovalRequest)
            rows[ApprovalStep].append(
                ApprovalStep(
                    request_id=request_id,
                    level=1,
                    approver_id=manager,
                    decision="approved",
                    decided_by_id=manager,
                    decided_at=decided,
                    comment="老客户，同意特价。",
                )
            )
            rows[ApprovalRequest].append(
                ApprovalRequest(
                    id=request_id,
                    order_id=order_id,
                    reasons=reasons,
                    levels=self.approval_levels,
                    status="approved",
                    requested_by_id=owner_id,
                    decided_by_id=manager,
                    decided_at=decided,
                    comment="老客户，同意特价。",
                    created_at=submitted,
                    updated_at=decided,
                )
            )
            version, last_change = 3, decided
        elif status != "draft":
            order.submitted_at = order.confirmed_at = submitted
            event(submitted, owner_id, "order.submitted", data={"approval_reasons": []})
            event(submitted, owner_id, "order.confirmed", {"status": ["draft", "confirmed"]})
            version, last_change = 2, submitted
        for line in lines:
            line.reserved_quantity = line.quantity if status in CONFIRMED else Decimal("0")
            if order.confirmed_at is None:
                # Costed when confirmed, as sales.services does.
                line.unit_cost = None

        if status == "on_hold":
            order.hold_reason = rng.choice(HOLD_REASONS)
            order.status_before_hold = "confirmed"
            event(
                held,
                self.users["finance1"].id,
                "order.held",
                {"status": ["confirmed", "on_hold"]},
                {"reason": order.hold_reason},
            )
            version, last_change = version + 1, held
        if cancelled_after_confirming:
            order.cancel_reason = rng.choice(CANCEL_REASONS)
            event(
                held,
                owner_id,
                "order.cancelled",
                {"status": ["confirmed", "cancelled"]},
                {"reason": order.cancel_reason},
            )
            version, last_change = version + 1, held

        clerk = self.users["warehouse1"].id
        if status in SHIPPING or (status == "confirmed" and rng.random() < 0.3):
            shipment_id = self.ids.take(Shipment)
            shipment_number = self.numbers.next("shipment", shipped_at)
            shipping = lines[:1] if status == "partially_shipped" else lines
            carrier, prefix = rng.choice(self.demo.CARRIERS)
            shipment = Shipment(
                id=shipment_id,
                number=shipment_number,
                order_id=order_id,
                owner_id=owner_id,
                warehouse_id=warehouse_id,
                status="pending",
                ship_to=ship_to,
                created_by_id=clerk,
                created_at=shipped_at - datetime.timedelta(hours=2),
                updated_at=shipped_at - datetime.timedelta(hours=2),
            )
            rows[Shipment].append(shipment)
            for line in shipping:
                rows[ShipmentLine].append(
                    ShipmentLine(shipment_id=shipment_id, order_line_id=line.id, quantity=line.quantity)
                )
            child_event(
                shipment.created_at,
                clerk,
                "shipment.created",
                self.shipment_type,
                shipment_id,
                shipment_number,
                data={"lines": {str(line.id): f"{line.quantity:.3f}" for line in shipping}},
            )
            if status in SHIPPING:
                shipment.status = "shipped"
                shipment.delivery_method = "courier"
                shipment.carrier = carrier
                shipment.tracking_number = f"{prefix}{rng.randint(10**11, 10**12 - 1)}"
                shipment.shipped_at = shipment.updated_at = shipped_at
                for line in shipping:
                    line.shipped_quantity = line.quantity
                    line.reserved_quantity = Decimal("0")
                    line.updated_at = shipped_at
                child_event(
                    shipped_at,
                    clerk,
                    "shipment.shipped",
                    self.shipment_type,
                    shipment_id,
                    shipment_number,
                    {"status": ["pending", "shipped"]},
                    {"delivery_method": "courier", "carrier": carrier, "tracking_number": shipment.tracking_number},
                )
                whole = "partially_shipped" if status == "partially_shipped" else "shipped"
                order.delivery_status = whole
                event(shipped_at, clerk, f"order.{whole}", {"status": ["confirmed", whole]})
                version, last_change = version + 1, shipped_at
                self.notice(order, customer_name, "order.shipped", shipped_at)
            if status in ("delivered", "closed"):
                logistics = self.users["logistics1"].id
                shipment.status = "delivered"
                shipment.delivered_at = shipment.updated_at = delivered_at
                shipment.signed_by = contact_name
                for line in lines:
                    line.delivered_quantity = line.quantity
                    line.updated_at = delivered_at
                child_event(
                    delivered_at,
                    logistics,
                    "shipment.delivered",
                    self.shipment_type,
                    shipment_id,
                    shipment_number,
                    {"status": ["shipped", "delivered"]},
                    {"signed_by": contact_name},
                )
                order.delivery_status = "delivered"
                event(delivered_at, logistics, "order.delivered", {"status": ["shipped", "delivered"]})
                version, last_change = version + 1, delivered_at
                self.notice(order, customer_name, "order.delivered", delivered_at)

        invoiced = status == "closed" or (status == "delivered" and rng.random() < 0.5)
        if invoiced:
            finance = self.users["finance1"].id
            invoice_id = self.ids.take(Invoice)
            invoice_number = self.numbers.next("invoice", invoiced_at)
            terms = rng.choice([30, 30, 45, 60])
            invoice = Invoice(
                id=invoice_id,
                number=invoice_number,
                order_id=order_id,
                owner_id=owner_id,
                customer_id=customer_id,
                status="issued",
                tax_rate=tax_rate,
                subtotal=subtotal,
                tax_amount=tax_amount,
                total=total,
                issued_at=invoiced_at,
                due_date=(invoiced_at + datetime.timedelta(days=terms)).date(),
                buyer_name=customer_name,
                created_by_id=finance,
                created_at=invoiced_at,
                updated_at=invoiced_at,
            )
            rows[Invoice].append(invoice)
            for line in lines:
                line.invoiced_quantity = line.quantity
                rows[InvoiceLine].append(
                    InvoiceLine(
                        invoice_id=invoice_id,
                        order_line_id=line.id,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        discount_percent=line.discount_percent,
                        amount=line.amount,
                    )
                )
            order.billing_status = "invoiced"
            order.amount_invoiced = total
            child_event(
                invoiced_at,
                finance,
                "invoice.created",
                self.invoice_type,
                invoice_id,
                invoice_number,
                data={"total": total},
            )
            child_event(
                invoiced_at,
                finance,
                "invoice.issued",
                self.invoice_type,
                invoice_id,
                invoice_number,
                {"status": ["draft", "issued"]},
                {"due_date": invoice.due_date},
            )
            version, last_change = version + 1, invoiced_at
            paying = total if status == "closed" else None
            if paying is None and rng.random() < 0.4:
                paying = max(Decimal("0.01"), (total * Decimal("0.4")).quantize(Decimal("0.01")))
            if paying:
                payment_id = self.ids.take(Payment)
                payment_number = self.numbers.next("payment", paid_at)
                method = rng.choice(PAYMENT_METHODS)
                rows[Payment].append(
                    Payment(
                        id=payment_id,
                        number=payment_number,
                        customer_id=customer_id,
                        amount=paying,
                        method=method,
                        received_on=paid_at.astimezone(self.zone).date(),
                        reference=f"银行流水{rng.randint(10**7, 10**8 - 1)}",
                        allocated_amount=paying,
                        created_by_id=finance,
                        created_at=paid_at,
                        updated_at=paid_at,
                    )
                )
                rows[PaymentAllocation].append(
                    PaymentAllocation(
                        payment_id=payment_id,
                        invoice_id=invoice_id,
                        amount=paying,
                        owner_id=owner_id,
                        received_on=paid_at.astimezone(self.zone).date(),
                    )
                )
                invoice.amount_paid = paying
                invoice.updated_at = paid_at
                events.append(
                    (
                        paid_at,
                        finance,
                        "payment.received",
                        self.payment_type,
                        payment_id,
                        payment_number,
                        None,
                        None,
                        {},
                        {"amount": paying, "method": method},
                    )
                )
                if paying == total:
                    invoice.status = "paid"
                    child_event(
                        paid_at,
                        finance,
                        "invoice.paid",
                        self.invoice_type,
                        invoice_id,
                        invoice_number,
                        {"status": ["issued", "paid"]},
                    )
                child_event(
                    paid_at,
                    finance,
                    "payment.allocated",
                    self.payment_type,
                    payment_id,
                    payment_number,
                    data={"invoice": invoice_id, "amount": paying},
                )
                order.amount_paid = paying
                order.payment_status = "paid" if paying == total else "partially_paid"
                version, last_change = version + 1, paid_at
                if paying == total:
                    event(
                        paid_at, finance, "order.paid", {"payment_status": ["unpaid", "paid"]}, {"amount_paid": paying}
                    )
        if status == "closed":
            order.closed_at = paid_at
            event(paid_at, self.users["finance1"].id, "order.closed", {"status": ["delivered", "closed"]})
            version += 1
            self.notice(order, customer_name, "order.closed", paid_at)

        order.version = version
        order.updated_at = last_change
        rows[Order].append(order)
        rows[OrderLine].extend(lines)
        for line in lines:
            level = self.stock.setdefault((line.product_id, warehouse_id), [Decimal("0"), Decimal("0")])
            level[0] += line.reserved_quantity
            level[1] += line.shipped_quantity

        if rng.random() < 0.05:
            title = rng.choice(TASK_TITLES)
            due = created + datetime.timedelta(days=rng.randint(2, 10))
            done = status in ("closed", "cancelled") or due < self.now - datetime.timedelta(days=30)
            rows[Task].append(
                Task(
                    title=f"{title}：{number}",
                    assignee_id=owner_id,
                    content_type_id=order_type,
                    object_id=order_id,
                    object_repr=number,
                    due_at=due,
                    priority=rng.choice(["normal", "normal", "high", "low"]),
                    status="done" if done else "open",
                    source="person",
                    completed_at=min(due, self.now) if done else None,
                    completed_by_id=owner_id if done else None,
                    created_by_id=owner_id,
                    created_at=created,
                    updated_at=min(due, self.now) if done else created,
                )
            )

    def notice(self, order, customer_name: str, kind: str, moment) -> None:
        from gendan.automation.models import Notification

        if self.rng.random() >= 0.1:
            return
        self.rows[Notification].append(
            Notification(
                recipient_id=order.owner_id,
                kind=kind,
                title=NOTICE_TITLES[kind].format(number=order.number, customer=customer_name)[:200],
                url=f"/orders/{order.id}/",
                content_type_id=self.order_type,
                object_id=order.id,
                created_at=moment,
                read_at=moment + datetime.timedelta(hours=2)
                if moment < self.now - datetime.timedelta(days=14)
                else None,
            )
        )

    # --- stock, counters, sequences ----------------------------------------------------------

    def stock_levels(self) -> None:
        """Each level holds what its orders reserve and more; the ledger explains it in three moves."""
        from gendan.inventory.models import StockLevel, StockMove

        when = self.start - datetime.timedelta(days=30)
        levels, moves = [], []
        clerk = self.users["warehouse1"].id
        for product_id, *_rest in self.products:
            for warehouse in self.warehouses.values():
                reserved, shipped = self.stock.get((product_id, warehouse.id), (Decimal("0"), Decimal("0")))
                on_hand = reserved + self.rng.choice([200, 300, 500, 1000])
                levels.append(
                    StockLevel(
                        product_id=product_id,
                        warehouse_id=warehouse.id,
                        on_hand=on_hand,
                        reserved=reserved,
                        updated_at=self.now,
                    )
                )
                for kind, quantity, moment in (
                    ("receipt", on_hand + shipped, when),
                    ("reservation", reserved + shipped, self.now),
                    ("shipment", -shipped, self.now),
                ):
                    if quantity:
                        moves.append(
                            StockMove(
                                kind=kind,
                                product_id=product_id,
                                warehouse_id=warehouse.id,
                                quantity=quantity,
                                note="生成的历史数据（汇总）",
                                actor_id=clerk,
                                created_at=moment,
                            )
                        )
        insert(StockLevel, levels, self.counts)
        insert(StockMove, moves, self.counts)

    def finish(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        from gendan.analytics.metrics import rollups
        from gendan.automation.models import OutboxCursor
        from gendan.core import events
        from gendan.core.models import Event, NumberCounter

        insert(NumberCounter, self.numbers.counters(), self.counts)
        # Written around core.events.record, so the records' last activity is taken from the log at the end.
        events.rebuild_last_activity()
        # The history is not news: the outbox sweep starts after it.
        last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        OutboxCursor.objects.update_or_create(pk=1, defaults={"last_event_id": last_event, "gaps": []})
        if connection.vendor == "postgresql":
            from django.apps import apps

            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                    cursor.execute(sql)
                # Statistics, as autovacuum would gather them after the load in its own time: without them the
                # daily figures' counting below was planned blind (an order's last payment looked up by walking
                # every allocation, for each order — minutes at 200,000 orders).
                cursor.execute("ANALYZE")
        # Nor did anything mark the days the metrics' daily figures must count: they are counted whole.
        rollups.build(force=True)

    # --- helpers ------------------------------------------------------------------------------

    def content_type(self, model) -> int:
        from django.contrib.contenttypes.models import ContentType

        return ContentType.objects.get_for_model(model).id

    def events(self, pending) -> list:
        """Event rows in the order they happened, so ids follow time as the services' would."""
        from gendan.core.models import Event

        pending.sort(key=lambda item: item[0])
        first = self.ids.take(Event, len(pending))
        return [
            Event(
                id=first + offset,
                occurred_at=moment,
                actor_id=actor_id,
                verb=verb,
                content_type_id=content_type,
                object_id=object_id,
                object_repr=object_repr,
                root_type_id=root_type,
                root_id=root_id,
                changes=changes,
                data=data,
            )
            for offset, (
                moment,
                actor_id,
                verb,
                content_type,
                object_id,
                object_repr,
                root_type,
                root_id,
                changes,
                data,
            ) in enumerate(pending)
        ]

    def company_name(self, city: str, taken: set) -> str:
        base = (
            f"{city.removesuffix('市')}{self.rng.choice(self.demo.BRANDS)}{self.rng.choice(self.demo.TRADES)}有限公司"
        )
        name, suffix = base, 1
        while name in taken:
            suffix += 1
            name = base.replace("有限公司", f"{suffix}厂有限公司")
        taken.add(name)
        return name

    def person(self) -> str:
        return self.rng.choice(self.demo.SURNAMES) + self.rng.choice(self.demo.GIVEN)

    def mobile(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randint(0, 9)}{self.rng.randint(1000_0000, 9999_9999)}"

    def run(self, progress=print) -> dict:
        from django.db import connection, transaction

        from gendan.finance.models import Invoice, Payment
        from gendan.fulfillment.models import Shipment
        from gendan.sales.models import Order

        started, cpu_started = time.perf_counter(), time.process_time()
        self.order_type = self.content_type(Order)
        self.shipment_type = self.content_type(Shipment)
        self.invoice_type = self.content_type(Invoice)
        self.payment_type = self.content_type(Payment)
        with transaction.atomic():
            self.people()
            self.warehouses_and_staff()
        with stamps_as_given():
            with transaction.atomic():
                self.catalogue()
            progress(f"  {len(self.users)} users, {len(self.products)} products, {len(self.warehouses)} warehouses")
            self.customers()
            progress(f"  {len(self.customer_rows):,} customers")
            self.orders_all(progress)
            with transaction.atomic():
                self.stock_levels()
        with transaction.atomic():
            self.finish()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # The pages marked all-visible, as autovacuum would mark them after the load: until then every
            # index-only read goes to the table as well (at a million orders, 104 pages over 100 ms instead of
            # 18). VACUUM runs outside a transaction only: a test's run goes without.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        rows = sum(self.counts.values())
        rep = next(iter(self.reps["east"]))
        return {
            "orders": self.orders,
            "seconds": round(seconds, 1),
            "rows": rows,
            "rows_per_second": round(rows / seconds),
            "orders_per_second": round(self.orders / seconds),
            # This process's own CPU time: what the figures would be on a machine nobody else uses.
            "cpu_seconds": round(cpu_seconds, 1),
            "rows_per_cpu_second": round(rows / cpu_seconds),
            "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "tables": dict(sorted(self.counts.items())),
            "admin": "admin",
            "rep": rep.username,
        }


def generate(
    orders: int, *, password: str, seed: int = SEED, years: int = YEARS, chunk: int = CHUNK, progress=print
) -> dict:
    """Fill the configured (migrated, empty) database; returns the figures."""
    from gendan.accounts.models import User

    if User.objects.exists():
        raise SystemExit("The database already has users: the generator fills an empty one.")
    return Generator(orders, seed, password, years=years, chunk=chunk).run(progress)


def prepare_database(database_url: str | None, var_dir: Path) -> str:
    """Point Django at the database to fill; create a missing PostgreSQL database. Returns its URL."""
    os.environ["GENDAN_VAR_DIR"] = str(var_dir)
    if database_url:
        parts = urlsplit(database_url)
        if not parts.scheme.startswith("postgres"):
            raise SystemExit("--database-url must be a PostgreSQL URL (SQLite goes into --var-dir by default)")
        import psycopg

        name = parts.path.strip("/")
        admin = urlunsplit(parts._replace(path="/postgres")).replace("postgresql://", "postgres://", 1)
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'gendan.sqlite3'}"
    return os.environ["DATABASE_URL"]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10000, help="orders to make (default 10,000)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database to fill (created when missing)")
    parser.add_argument("--var-dir", type=Path, help="GENDAN_VAR_DIR: the SQLite file, secret key, password")
    parser.add_argument("--seed", type=int, default=SEED, help="the random seed (the same seed, the same data)")
    parser.add_argument("--years", type=int, default=YEARS, help="years of history (default 5)")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="orders per transaction (default 5,000)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.orders < 1:
        parser.error("--orders must be at least 1")

    var_dir = args.var_dir or Path(tempfile.mkdtemp(prefix="gendan-data-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    url = prepare_database(args.database_url, var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "gendan.settings"
    os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    from gendan.demo.company import PASSWORD_ENV, demo_password

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - started
    print(f"Generating {args.orders:,} orders into {url} (migrated in {migrated:.1f} s)")
    result = generate(args.orders, password=demo_password(), seed=args.seed, years=args.years, chunk=args.chunk)
    result.update(
        database=connection.vendor,
        database_url=url,
        sqlite_file=str(var_dir / "gendan.sqlite3") if connection.vendor == "sqlite" else None,
        var_dir=str(var_dir),
        password_env=PASSWORD_ENV,
    )
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


def report(result: dict) -> str:
    from gendan.demo.company import known_demo_password

    lines = [f"  {label:<34} {count:>12,}" for label, count in result["tables"].items()]
    lines += [
        f"{result['rows']:,} rows in {result['seconds']} s: {result['rows_per_second']:,} rows/s, "
        f"{result['orders_per_second']:,} orders/s; {result['cpu_seconds']} s of CPU "
        f"({result['rows_per_cpu_second']:,} rows per CPU second), peak memory {result['peak_memory_mib']} MiB",
        f"DATABASE_URL={result['database_url']}",
        *([f"SQLite file: {result['sqlite_file']}"] if result["sqlite_file"] else []),
        f"GENDAN_VAR_DIR={result['var_dir']}",
        f"Log in as {result['admin']} (admin) or {result['rep']} (sales rep), password: {known_demo_password()}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
