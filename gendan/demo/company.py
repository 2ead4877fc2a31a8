"""Demo data for `make run`: people, customers, products, stock and orders at every stage.

Everything after the people is written through the services, so the event
log, the stock ledger and the document numbers are the real thing. The last two months
are replayed step by step in time order, so timelines, numbers (SO{yyyy}{mm}...) and
dates look like a working company's; before them, a year and a half of closed orders
(history.py) gives the dashboards' trends something to show. A fixed seed makes every
load the same.
"""

import datetime
import os
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from gendan.accounts.models import Department, User
from gendan.accounts.roles import Role
from gendan.catalog.services import product_create
from gendan.crm.models import InvoiceKind
from gendan.crm.services import customer_create
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_deliver, shipment_ship
from gendan.inventory.models import StockMove
from gendan.inventory.services import stock_move_record, warehouse_create, warehouse_staff_set
from gendan.sales.services import order_approve, order_cancel, order_create, order_hold, order_submit

from .analytics import add_demo_analytics
from .changes import add_demo_changes
from .clock import at
from .crm import load_crm_demo
from .history import MONTHS as HISTORY_MONTHS
from .history import history_start, plan_history
from .quotations import add_demo_quotations
from .receivables import add_demo_receivables

SEED = 20250601
PASSWORD_ENV = "GENDAN_DEMO_PASSWORD"
DAYS = 60
CUSTOMERS = 36
# Customers the company has when its history opens; the rest come one by one.
ESTABLISHED_CUSTOMERS = 12

# username, role, display name, department key
PEOPLE = [
    ("admin", Role.ADMIN, "系统管理员", None),
    ("manager1", Role.SALES_MANAGER, "周明", "sales"),
    ("rep1", Role.SALES_REP, "李娜", "east"),
    ("rep2", Role.SALES_REP, "王磊", "east"),
    ("rep3", Role.SALES_REP, "陈静", "south"),
    ("follower1", Role.ORDER_FOLLOWER, "刘洋", "east"),
    ("warehouse1", Role.WAREHOUSE, "赵强", "ops"),
    ("logistics1", Role.LOGISTICS, "孙涛", "ops"),
    ("finance1", Role.FINANCE, "吴芳", "finance"),
    ("service1", Role.AFTER_SALES, "郑丽", "ops"),
    ("boss1", Role.EXECUTIVE, "黄建国", None),
]
USERNAMES = [username for username, *_rest in PEOPLE]

# key, name, parent key, leader
DEPARTMENTS = [
    # The boss heads sales himself; the sales manager leads the East team: a change there goes to 周明, then 黄建国.
    ("sales", "销售部", None, "boss1"),
    ("east", "华东组", "sales", "manager1"),
    ("south", "华南组", "sales", "rep3"),
    ("ops", "运营部", None, "warehouse1"),
    ("finance", "财务部", None, "finance1"),
]

# province, city, districts, postal code, area code, team that sells there
CITIES = [
    ("上海市", "上海市", ["浦东新区", "闵行区", "嘉定区", "松江区"], "201200", "021", "east"),
    ("江苏省", "苏州市", ["工业园区", "吴中区", "昆山市"], "215000", "0512", "east"),
    ("江苏省", "无锡市", ["新吴区", "滨湖区"], "214000", "0510", "east"),
    ("江苏省", "南京市", ["江宁区", "栖霞区"], "211100", "025", "east"),
    ("浙江省", "杭州市", ["余杭区", "萧山区", "滨江区"], "311100", "0571", "east"),
    ("浙江省", "宁波市", ["北仑区", "鄞州区"], "315800", "0574", "east"),
    ("安徽省", "合肥市", ["蜀山区", "包河区"], "230000", "0551", "east"),
    ("山东省", "青岛市", ["黄岛区", "城阳区"], "266000", "0532", "east"),
    ("广东省", "广州市", ["番禺区", "黄埔区", "白云区"], "510000", "020", "south"),
    ("广东省", "深圳市", ["宝安区", "龙岗区", "南山区"], "518000", "0755", "south"),
    ("广东省", "东莞市", ["长安镇", "松山湖"], "523000", "0769", "south"),
    ("广东省", "佛山市", ["顺德区", "南海区"], "528300", "0757", "south"),
    ("福建省", "厦门市", ["湖里区", "集美区"], "361000", "0592", "south"),
]
BRANDS = [
    "恒瑞",
    "宏达",
    "鑫源",
    "华信",
    "永泰",
    "博远",
    "中联",
    "德润",
    "瑞丰",
    "金诚",
    "天成",
    "嘉禾",
    "富通",
    "卓越",
    "新航",
    "安捷",
    "诚泰",
    "汇丰",
    "明远",
    "凯盛",
]
TRADES = [
    "精密机械",
    "自动化设备",
    "电子科技",
    "机电设备",
    "智能装备",
    "五金制品",
    "包装材料",
    "汽车零部件",
    "环保科技",
    "新能源科技",
]
INDUSTRIES = {
    "精密机械": "机械制造",
    "自动化设备": "自动化",
    "电子科技": "电子",
    "机电设备": "机械制造",
    "智能装备": "自动化",
    "五金制品": "五金",
    "包装材料": "包装",
    "汽车零部件": "汽车",
    "环保科技": "环保",
    "新能源科技": "新能源",
}
ROADS = [
    "科技路",
    "创业大道",
    "工业大道",
    "高新路",
    "长江路",
    "振兴路",
    "星湖街",
    "金沙路",
    "华山路",
    "建设路",
    "兴业街",
    "迎宾大道",
]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯许邓")
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "海燕",
    "国庆",
    "晓东",
    "雪梅",
    "子涵",
]
TITLES = ["采购经理", "采购专员", "总经理", "设备部主管", "仓库主管", "项目经理"]
SOURCES = ["展会", "老客户介绍", "官网询盘", "电话开发", "阿里巴巴"]
CARRIERS = [("顺丰速运", "SF"), ("德邦物流", "DPK"), ("京东物流", "JDL"), ("中通快运", "ZTO")]

# sku, name, unit, list price (cost and floor follow from it)
PRODUCTS = [
    ("VLV-BV-DN50", "不锈钢球阀 DN50", "个", "268.00"),
    ("VLV-SV-4V210", "气动电磁阀 4V210-08", "个", "96.00"),
    ("MTR-SV-750", "交流伺服电机 750W", "台", "1850.00"),
    ("DRV-VF-2K2", "变频器 2.2kW", "台", "1280.00"),
    ("GDR-HGR20", "直线导轨 HGR20 1米", "根", "335.00"),
    ("SCR-SFU1605", "滚珠丝杠 SFU1605 600mm", "根", "420.00"),
    ("BRG-6205", "深沟球轴承 6205-2RS", "套", "18.50"),
    ("PLY-HTD5M", "同步带轮 HTD5M-30齿", "个", "45.00"),
    ("PLC-32IO", "PLC 控制器 32点", "台", "2360.00"),
    ("HMI-7IN", "7寸工业触摸屏", "台", "1480.00"),
    ("SEN-PX-M12", "电感式接近开关 M12", "个", "38.00"),
    ("SEN-PE-18", "漫反射光电传感器 M18", "个", "65.00"),
    ("ALU-4040", "工业铝型材 4040", "米", "42.00"),
    ("CYL-HY-63", "液压油缸 63×200", "台", "980.00"),
    ("GBX-NMRV050", "蜗轮蜗杆减速机 NMRV050", "台", "760.00"),
    ("CBL-CAT6", "超六类工业网线 305米", "箱", "680.00"),
    ("TRY-200100", "镀锌电缆桥架 200×100", "米", "58.00"),
    ("SEL-KIT-O", "O型密封圈套装", "套", "88.00"),
    ("PMP-CP-1.5", "不锈钢离心泵 1.5kW", "台", "2150.00"),
    ("FAN-AX-300", "轴流风机 300mm", "台", "420.00"),
]

# How many orders stop at each stage, in the order the stages are listed on the road.
STAGES = [
    ("draft", 4),
    ("pending_approval", 3),
    ("confirmed", 5),
    ("partially_shipped", 3),
    ("shipped", 4),
    ("delivered", 4),
    ("invoiced", 4),
    ("partially_paid", 3),
    ("closed", 6),
    ("cancelled", 2),
    ("on_hold", 2),
]
ROAD = [
    "draft",
    "confirmed",
    "partially_shipped",
    "shipped",
    "delivered",
    "invoiced",
    "partially_paid",
    "closed",
]
# Days after entry at which each step happens; an order must have started at least this long ago.
STEP_DAY = {"submit": 0, "approve": 1, "ship": 2, "deliver": 4, "invoice": 5, "pay": 20}


@dataclass
class Plan:
    """One demo order and the steps that take it to its stage."""

    stage: str
    customer_index: int
    lines: list
    needs_approval: bool
    steps: list = field(default_factory=list)
    order: object = None
    shipment: object = None
    invoice: object = None


# The first customers' billing details (开票信息), the first of them on special VAT invoices. Made without the random
# generator, so that every other figure of the demo stays as it was.
BILLED_CUSTOMERS = [
    (InvoiceKind.SPECIAL, "中国工商银行"),
    (InvoiceKind.NORMAL, "招商银行"),
    (InvoiceKind.NORMAL, "中国建设银行"),
]


def _billing_details(index: int, city: str, area: str) -> dict:
    if index >= len(BILLED_CUSTOMERS):
        return {}
    kind, bank = BILLED_CUSTOMERS[index]
    return {
        "invoice_kind": kind,
        "tax_id": f"91{310000 + index * 101:06d}MA1G{index + 1:05d}X",
        "invoice_address_phone": f"{city}{ROADS[index]}{88 + index}号 {area}-{66550000 + index}",
        "invoice_bank_account": f"{bank}{city.removesuffix('市')}分行 {1001234500000000000 + index}",
    }


def known_demo_password() -> str | None:
    """The demo password from the environment, else the one generated on the first load, if any."""
    from_env = os.environ.get(PASSWORD_ENV, "").strip()
    if from_env:
        return from_env
    path = password_file()
    return path.read_text().strip() if path.exists() else None


def demo_password() -> str:
    """The demo password; generated and kept under var/ (mode 0600) when there is none yet."""
    password = known_demo_password()
    if password:
        return password
    password = secrets.token_urlsafe(9)
    # Created with mode 0600 from the start, so it is never readable by others, not even briefly.
    fd = os.open(password_file(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_password"


class DemoBuilder:
    def __init__(self, password: str, seed: int = SEED, history_months: int = HISTORY_MONTHS):
        self.password = password
        self.rng = random.Random(seed)
        self.rng_seed = seed
        self.history_months = history_months
        self.now = timezone.now().replace(microsecond=0)
        self.users = {}
        self.warehouses = {}
        self.products = []
        self.customers = []

    def build(self) -> dict:
        with transaction.atomic():
            self._people()
            # A day before the first of the last two months' orders may have been entered.
            recent = self.now - datetime.timedelta(days=DAYS + 1)
            opened = history_start(self.now, self.history_months, until=recent)
            with at(opened - datetime.timedelta(days=12)):
                self._warehouses_and_products()
            self._customers(opened)
            plans = self._plan_orders()
            history = plan_history(self, Plan, self.history_months, until=recent)
            with at(opened - datetime.timedelta(days=1)):
                self._stock_for(history)
            self._replay(history + plans)
            add_demo_quotations(self)
            add_demo_changes(self)
            add_demo_receivables(self)
            load_crm_demo(users=self.users, customers=self.customers, now=self.now)
            add_demo_analytics(self)
        return {
            "users": len(self.users),
            "customers": len(self.customers),
            "products": len(self.products),
            "orders": len(plans) + len(history),
        }

    # --- people --------------------------------------------------------------------------

    def _people(self) -> None:
        departments = {}
        for key, name, parent, _leader in DEPARTMENTS:
            departments[key] = Department.objects.create(name=name, parent=departments.get(parent))
        # One hash for everyone: Argon2 is slow on purpose, and they share the password anyway.
        encoded = make_password(self.password)
        for username, role, display_name, department in PEOPLE:
            user = User(
                username=username,
                first_name=display_name,
                role=role,
                department=departments.get(department),
                email=f"{username}@demo.gendan.local",
                phone=self._mobile(),
                password=encoded,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            user.save()
            self.users[username] = user
        for key, _name, _parent, leader in DEPARTMENTS:
            departments[key].leader = self.users[leader]
            departments[key].save(update_fields=["leader", "updated_at"])

    # --- catalogue and stock -------------------------------------------------------------

    def _warehouses_and_products(self) -> None:
        admin, clerk = self.users["admin"], self.users["warehouse1"]
        self.warehouses["east"] = warehouse_create(
            actor=admin, code="SH", name="上海仓", address="上海市嘉定区安亭镇墨玉路185号"
        )
        self.warehouses["south"] = warehouse_create(
            actor=admin, code="GZ", name="广州仓", address="广州市黄埔区开发大道348号"
        )
        for warehouse in self.warehouses.values():
            # They hear of every order confirmed for the warehouse.
            warehouse_staff_set(warehouse=warehouse, actor=admin, users=[clerk, self.users["logistics1"]])
        for sku, name, unit, list_price in PRODUCTS:
            price = Decimal(list_price)
            product = product_create(
                actor=admin,
                sku=sku,
                name=name,
                unit=unit,
                list_price=price,
                floor_price=(price * Decimal("0.85")).quantize(Decimal("0.01")),
                cost=(price * Decimal("0.62")).quantize(Decimal("0.01")),
            )
            self.products.append(product)
            for team, warehouse in self.warehouses.items():
                stock_move_record(
                    actor=clerk,
                    kind=StockMove.Kind.RECEIPT,
                    product=product,
                    warehouse=warehouse,
                    quantity=Decimal(self.rng.choice([300, 400, 500]) if team == "east" else 200),
                    note="期初入库",
                )

    # --- customers -----------------------------------------------------------------------

    def _stock_for(self, plans: list[Plan]) -> None:
        """Enough stock received before the history starts for every historical order to ship."""
        needed = {}
        for plan in plans:
            team = self.customers[plan.customer_index].team
            for line in plan.lines:
                key = (line["product"], team)
                needed[key] = needed.get(key, Decimal("0")) + line["quantity"]
        for (product, team), quantity in needed.items():
            stock_move_record(
                actor=self.users["warehouse1"],
                kind=StockMove.Kind.RECEIPT,
                product=product,
                warehouse=self.warehouses[team],
                quantity=quantity,
                note="备货入库",
            )

    def _customers(self, opened: datetime.datetime) -> None:
        reps = {"east": [self.users["rep1"], self.users["rep2"]], "south": [self.users["rep3"]]}
        names = set()
        index = 0
        while len(self.customers) < CUSTOMERS:
            province, city, districts, postal, area, team = CITIES[index % len(CITIES)]
            brand, trade = self.rng.choice(BRANDS), self.rng.choice(TRADES)
            name = f"{city.removesuffix('市')}{brand}{trade}有限公司"
            if name in names:
                continue
            names.add(name)
            rep = reps[team][index % len(reps[team])]
            contact = self._person()
            day = timezone.localtime(self._customer_since(opened, index)).replace(
                hour=self.rng.randint(9, 17), minute=self.rng.randint(0, 59)
            )
            with at(day):
                customer = customer_create(
                    actor=rep,
                    name=name,
                    phone=f"{area}-{self.rng.randint(5000_0000, 8999_9999)}",
                    level=self.rng.choice(["A", "B", "B", "C"]),
                    industry=INDUSTRIES[trade],
                    region="华东" if team == "east" else "华南",
                    source=self.rng.choice(SOURCES),
                    credit_limit=Decimal(self.rng.choice([50000, 100000, 200000, 500000])),
                    payment_terms_days=self.rng.choice([30, 30, 45, 60]),
                    **_billing_details(index, city, area),
                    contacts=[{"name": contact, "phone": self._mobile(), "title": self.rng.choice(TITLES)}],
                    addresses=[
                        {
                            "recipient": contact,
                            "phone": self._mobile(),
                            "province": province,
                            "city": city,
                            "district": self.rng.choice(districts),
                            "street": f"{self.rng.choice(ROADS)}{self.rng.randint(1, 999)}号",
                            "postal_code": postal,
                        }
                    ],
                )
            customer.team = team
            self.customers.append(customer)
            index += 1

    def _customer_since(self, opened: datetime.datetime, index: int) -> datetime.datetime:
        """The first customers are there when the history opens; the others arrive one by one until the last two
        months."""
        if index < ESTABLISHED_CUSTOMERS:
            return opened - datetime.timedelta(days=10)
        newest = self.now - datetime.timedelta(days=DAYS + 10)
        share = (index - ESTABLISHED_CUSTOMERS + 1) / (CUSTOMERS - ESTABLISHED_CUSTOMERS)
        return opened + (newest - opened) * share

    # --- orders --------------------------------------------------------------------------

    def _plan_orders(self) -> list[Plan]:
        plans = []
        for stage, count in STAGES:
            for _ in range(count):
                needs_approval = stage == "pending_approval" or (stage != "draft" and self.rng.random() < 0.2)
                plan = Plan(stage, self.rng.randrange(len(self.customers)), self._lines(needs_approval), needs_approval)
                steps = self._steps(plan)
                # Recent drafts; everything else old enough for its last step to lie in the past.
                last = max(offset.days for offset, _step in steps)
                days_ago = self.rng.randint(1, 6) if stage == "draft" else self.rng.randint(last + 1, DAYS)
                start = timezone.localtime(self.now - datetime.timedelta(days=days_ago)).replace(
                    hour=self.rng.randint(9, 16), minute=self.rng.randint(0, 59), second=0
                )
                plan.steps = [(start + offset, step) for offset, step in steps]
                plans.append(plan)
        return plans

    def _lines(self, below_floor: bool) -> list[dict]:
        products = self.rng.sample(self.products, self.rng.randint(1, 4))
        lines = []
        for position, product in enumerate(products):
            quantity = Decimal(self.rng.choice([2, 5, 10, 12, 20, 30, 50]))
            if product.list_price > 1000:
                quantity = Decimal(self.rng.randint(1, 6))
            line = {"product": product, "quantity": quantity}
            if position == 0 and below_floor:
                line["unit_price"] = (product.floor_price * Decimal("0.93")).quantize(Decimal("0.01"))
            elif self.rng.random() < 0.3:
                line["discount_percent"] = Decimal(self.rng.choice([3, 5, 8]))
            lines.append(line)
        return lines

    def _steps(self, plan: Plan) -> list[tuple[datetime.timedelta, str]]:
        """The steps that take the order to its stage, each at its time after entry."""

        def at(step, hours=0, name=None):
            return (datetime.timedelta(days=STEP_DAY.get(step, 0), hours=hours), name or step)

        steps = [at("create")]
        if plan.stage == "draft":
            return steps
        if plan.stage == "cancelled":
            return [*steps, at("cancel", 1)]
        steps.append(at("submit", 1))
        if plan.stage == "pending_approval":
            return steps
        if plan.needs_approval:
            steps.append(at("approve"))
        if plan.stage == "on_hold":
            steps.append(at("approve", 3, name="hold"))
        if plan.stage in ("confirmed", "on_hold"):
            return steps
        steps.append(at("ship", name="ship_part" if plan.stage == "partially_shipped" else "ship"))
        reached = ROAD.index(plan.stage)
        for step, from_stage in (("deliver", "delivered"), ("invoice", "invoiced")):
            if reached >= ROAD.index(from_stage):
                steps.append(at(step))
        if plan.stage == "partially_paid":
            steps.append(at("pay", name="pay_part"))
        if plan.stage == "closed":
            steps.append(at("pay"))
        return steps

    def _replay(self, plans: list[Plan]) -> None:
        # Every step of every order in time order, so numbers and timelines interleave as in life.
        agenda = sorted(
            ((moment, index, step) for index, plan in enumerate(plans) for moment, step in plan.steps),
            key=lambda item: (item[0], item[1]),
        )
        for moment, index, step in agenda:
            with at(moment):
                getattr(self, f"_step_{step}")(plans[index], moment)

    def _step_create(self, plan: Plan, moment) -> None:
        customer = self.customers[plan.customer_index]
        priority = self.rng.choice(["normal", "normal", "normal", "high", "urgent", "low"])
        plan.order = order_create(
            actor=customer.owner,
            customer=customer,
            contact=customer.contacts.first(),
            shipping_address=customer.addresses.first(),
            warehouse=self.warehouses[customer.team],
            lines=plan.lines,
            priority=priority,
            requested_date=(moment + datetime.timedelta(days=self.rng.randint(7, 21))).date(),
            customer_reference=f"PO-{moment:%y%m}{self.rng.randint(100, 999)}",
        )

    def _step_submit(self, plan: Plan, moment) -> None:
        plan.order = order_submit(order=plan.order, actor=plan.order.owner)

    def _step_approve(self, plan: Plan, moment) -> None:
        plan.order = order_approve(order=plan.order, actor=self.users["manager1"], comment="老客户，同意特价。")

    def _step_hold(self, plan: Plan, moment) -> None:
        plan.order = order_hold(order=plan.order, actor=self.users["finance1"], reason="前期货款逾期未付，暂停发货")

    def _step_cancel(self, plan: Plan, moment) -> None:
        plan.order = order_cancel(order=plan.order, actor=plan.order.owner, reason="客户项目延期，取消订单")

    def _ship(self, plan: Plan, lines=None) -> None:
        carrier, prefix = self.rng.choice(CARRIERS)
        clerk = self.users["warehouse1"]
        plan.shipment = shipment_create(
            order=plan.order,
            actor=clerk,
            lines=lines,
            carrier=carrier,
            tracking_number=f"{prefix}{self.rng.randint(10**11, 10**12 - 1)}",
        )
        shipment_ship(shipment=plan.shipment, actor=clerk)

    def _step_ship(self, plan: Plan, moment) -> None:
        self._ship(plan)

    def _step_ship_part(self, plan: Plan, moment) -> None:
        first = plan.order.lines.order_by("position").first()
        self._ship(plan, lines=[{"order_line": first, "quantity": max(Decimal("1"), first.quantity // 2)}])

    def _step_deliver(self, plan: Plan, moment) -> None:
        contact = self.customers[plan.customer_index].contacts.first()
        shipment_deliver(shipment=plan.shipment, actor=self.users["logistics1"], signed_by=contact.name)

    def _step_invoice(self, plan: Plan, moment) -> None:
        finance = self.users["finance1"]
        plan.invoice = invoice_issue(invoice=invoice_create(order=plan.order, actor=finance), actor=finance)

    def _pay(self, plan: Plan, moment, amount: Decimal) -> None:
        payment_record(
            actor=self.users["finance1"],
            customer=self.customers[plan.customer_index],
            amount=amount,
            received_on=timezone.localdate(moment),
            method=self.rng.choice(["bank_transfer", "bank_transfer", "acceptance_bill", "wechat"]),
            reference=f"银行流水{self.rng.randint(10**7, 10**8 - 1)}",
            allocations=[{"invoice": plan.invoice, "amount": amount}],
        )

    def _step_pay(self, plan: Plan, moment) -> None:
        self._pay(plan, moment, plan.invoice.total)

    def _step_pay_part(self, plan: Plan, moment) -> None:
        self._pay(plan, moment, (plan.invoice.total * Decimal("0.4")).quantize(Decimal("1")))

    # --- made-up details -----------------------------------------------------------------

    def _person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def _mobile(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randint(0, 9)}{self.rng.randint(1000_0000, 9999_9999)}"


def load_demo_data(password: str, history_months: int = HISTORY_MONTHS) -> dict:
    """Fill an empty database; returns what was made. The caller checks that the database is empty."""
    return DemoBuilder(password, history_months=history_months).build()
