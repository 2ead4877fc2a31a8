"""The demo company's customer relationship: follow-ups and meetings, written through the services.

Called by gendan.demo.company once the customers and orders exist, replaying the same two months
in time order. Most customers are followed up every week or two; a few per rep went quiet more
than 30 days ago (the shipped rule gives their owners a task), some have a next follow-up date
that is due or overdue, and rep1 has a meeting within the hour (reminded at once), one tomorrow,
one held and one cancelled. Contracts: each rep has some in force, a few ending within 7, 30
and 60 days (the renewal rules remind their owners), one expired, one draft, one terminated.
Leads: new ones (one left uncontacted for two days: its owner gets a task), contacted, converted
into a customer on file, disqualified. Opportunities at every stage of the funnel, moved over
the weeks, some won and lost lately.
"""

import datetime
import random

from django.utils import timezone

from gendan.crm.services_contracts import contract_activate, contract_create, contract_terminate, contracts_expire_due
from gendan.crm.services_followups import followup_create, meeting_cancel, meeting_hold, meeting_schedule
from gendan.crm.services_pipeline import (
    lead_contact,
    lead_convert,
    lead_create,
    lead_disqualify,
    opportunity_create,
    opportunity_move,
)

from .clock import at

SEED = 20250602
# Per rep: (company, contact, source, hours ago entered, what became of it).
LEADS = {
    "rep1": [
        ("杭州明远精密机械有限公司", "冯经理", "展会", 50, "new"),
        ("湖州汇丰环保科技有限公司", "韩工", "官网询盘", 3, "new"),
        ("嘉兴安捷电子科技有限公司", "唐经理", "电话开发", 120, "contacted"),
        ("上海诚泰智能装备有限公司", "许总", "老客户介绍", 400, "converted"),
    ],
    "rep2": [
        ("南通富通五金制品有限公司", "邓经理", "阿里巴巴", 30, "new"),
        ("扬州新航包装材料有限公司", "曹工", "展会", 200, "disqualified"),
    ],
    "rep3": [
        ("珠海凯盛新能源科技有限公司", "彭经理", "官网询盘", 6, "new"),
        ("中山永泰汽车零部件有限公司", "曾总", "展会", 90, "contacted"),
    ],
}
# Per rep: (position of the customer, name, amount, the stages it went through, days ago it started).
DEALS = {
    "rep1": [
        (2, "二号产线伺服升级", 280000, ["first_visit"], 20),
        (3, "仓储输送线改造", 450000, ["first_visit", "proposal"], 35),
        (4, "检测设备采购", 96000, ["first_visit", "proposal", "quote"], 40),
        (5, "年度备件框架采购", 360000, ["first_visit", "proposal", "quote", "negotiation"], 50),
        (6, "新厂房自动化项目", 820000, [], 5),
        (7, "包装机替换", 150000, ["first_visit", "proposal", "quote", "won"], 45),
        (8, "变频器批量更换", 72000, ["first_visit", "proposal", "lost"], 30),
    ],
    "rep2": [
        (2, "PLC 控制系统升级", 180000, ["first_visit", "proposal"], 25),
        (3, "传感器年度采购", 64000, ["first_visit", "proposal", "quote", "negotiation", "won"], 40),
        (4, "液压系统改造", 210000, [], 8),
    ],
    "rep3": [
        (2, "华南仓库自动化", 520000, ["first_visit", "proposal", "quote"], 30),
        (3, "风机更新项目", 88000, ["first_visit", "lost"], 25),
    ],
}
LOST_REASONS = ["客户选择了价格更低的竞品", "项目预算被取消"]
# Customers (by position in each rep's list) left without a follow-up for over 30 days.
QUIET_PER_REP = 2
# Per rep: (position of the customer in the rep's list, title, days from now to its end, amount, what becomes of it).
CONTRACTS = {
    "rep1": [
        (2, "年度设备供货框架协议", 5, 360000, "active"),
        (3, "伺服系统维保服务合同", 25, 86000, "active"),
        (4, "自动化产线备件供应合同", 50, 128000, "active"),
        (5, "年度采购框架协议", 300, 520000, "active"),
        (6, "传感器供货合同", -20, 64000, "active"),
        (7, "新产线改造项目合同", 365, 980000, "draft"),
    ],
    "rep2": [(2, "电机及驱动器年度供货协议", 20, 240000, "active"), (3, "备件寄售协议", 200, 150000, "active")],
    "rep3": [
        (2, "华南区域年度供货协议", 45, 410000, "active"),
        (3, "设备租赁合同", 120, 72000, "terminated"),
    ],
}

KINDS = ["call", "call", "call", "wechat", "wechat", "visit", "email"]
FIRST_CALLS = [
    ("首次电话沟通，介绍公司和主要产品线，客户目前有设备改造计划。", "发送产品资料"),
    ("电话联系采购，了解年度采购计划和现有供应商情况。", "约下周拜访"),
    ("客户官网询盘后回电，确认需求型号和数量。", "需要报价"),
]
NOTES = {
    "call": [
        ("电话确认上批货物使用情况，客户反馈良好。", "有复购意向"),
        ("电话沟通交期，客户希望提前一周到货。", "协调仓库备货"),
        ("跟进报价反馈，客户认为价格偏高，正在内部比价。", "下周再联系"),
        ("询问新项目进展，客户预算还在审批。", "等待预算"),
    ],
    "wechat": [
        ("微信发送了新品目录和技术参数。", "客户已查看"),
        ("微信沟通发票信息和付款安排。", "月底付款"),
        ("客户微信询问伺服电机替换型号，已推荐两款。", "等客户选型"),
    ],
    "visit": [
        ("上门拜访设备部，现场查看产线，讨论自动化改造方案。", "准备方案"),
        ("拜访采购经理，介绍年度框架协议。", "客户有兴趣"),
    ],
    "email": [
        ("邮件发送正式报价单和交货条款。", "等待回复"),
        ("邮件确认对账单金额。", "已确认"),
    ],
}
MEETINGS = [
    ("产品演示", "客户会议室"),
    ("技术交流会", "腾讯会议"),
    ("年度合作洽谈", "客户总部"),
]


RECENT = datetime.timedelta(days=90)


def load_crm_demo(*, users: dict, customers: list, now: datetime.datetime) -> dict:
    """Follow-ups and meetings for the demo's customers; returns what was made."""
    return CrmDemo(users, customers, now).build()


class CrmDemo:
    def __init__(self, users, customers, now):
        self.users = users
        self.customers = customers
        self.now = now
        self.rng = random.Random(SEED)
        self.agenda = []  # (moment, sequence, step)
        self.meetings = {}
        self.made = {"follow-ups": 0, "meetings": 0, "contracts": 0, "leads": 0, "opportunities": 0}

    def build(self) -> dict:
        by_owner: dict[int, list] = {}
        for customer in self.customers:
            by_owner.setdefault(customer.owner_id, []).append(customer)
        for owned in by_owner.values():
            for position, customer in enumerate(owned):
                self._plan_followups(customer, quiet=position < QUIET_PER_REP)
        self._plan_meetings(self.users["rep1"], by_owner[self.users["rep1"].pk])
        for username, rows in CONTRACTS.items():
            for row in rows:
                self._plan_contract(by_owner[self.users[username].pk], *row)
        # The nightly job's part: contracts whose end is over expired at midnight.
        self._add(self.now, lambda: contracts_expire_due())
        for username, rows in LEADS.items():
            for row in rows:
                self._plan_lead(self.users[username], by_owner[self.users[username].pk], *row)
        for username, rows in DEALS.items():
            for row in rows:
                self._plan_deal(by_owner[self.users[username].pk], *row)
        # Every step in time order, so timelines read as they happened.
        for moment, _sequence, step in sorted(self.agenda, key=lambda item: item[:2]):
            with at(moment):
                step()
        return self.made

    def _add(self, moment, step) -> None:
        self.agenda.append((moment, len(self.agenda), step))

    def _working_time(self, moment: datetime.datetime) -> datetime.datetime:
        local = timezone.localtime(moment)
        return local.replace(
            hour=self.rng.randint(9, 17), minute=self.rng.choice([0, 10, 20, 30, 40, 50]), second=0, microsecond=0
        )

    # --- follow-ups ------------------------------------------------------------------------

    def _plan_followups(self, customer, *, quiet: bool) -> None:
        # The first call within a day of entry; then every one to three weeks.
        moment = customer.created_at + datetime.timedelta(hours=self.rng.randint(1, 4))
        steps = [(moment, "call", *self.rng.choice(FIRST_CALLS))]
        days_quiet = self.rng.randint(34, 45) if quiet else 0
        stop = self.now - datetime.timedelta(days=days_quiet, hours=2)
        while True:
            # Further back than the last few months, a call a month: the customer was settled then.
            gap = (7, 20) if self.now - moment < RECENT else (20, 45)
            moment = self._working_time(moment + datetime.timedelta(days=self.rng.randint(*gap)))
            if moment >= stop:
                break
            kind = self.rng.choice(KINDS)
            steps.append((moment, kind, *self.rng.choice(NOTES[kind])))
        # Half of the active customers were asked to be called again in a few days: some of
        # those tasks are due today, some overdue.
        ask_again = not quiet and self.rng.random() < 0.5
        for index, (moment, kind, notes, outcome) in enumerate(steps):
            next_on = None
            if ask_again and index == len(steps) - 1:
                next_on = timezone.localdate(moment) + datetime.timedelta(days=self.rng.randint(1, 6))
            self._add(moment, self._followup(customer, kind, notes, outcome, next_on))

    def _followup(self, customer, kind, notes, outcome, next_on):
        def step():
            followup_create(
                customer=customer,
                actor=customer.owner,
                kind=kind,
                notes=notes,
                outcome=outcome,
                next_followup_on=next_on,
            )
            self.made["follow-ups"] += 1

        return step

    # --- meetings --------------------------------------------------------------------------

    def _plan_meetings(self, rep, customers) -> None:
        customers = [c for c in customers if c.contacts.exists()]
        local_now = timezone.localtime(self.now)
        soon = (local_now + datetime.timedelta(minutes=50)).replace(second=0, microsecond=0)
        tomorrow = (local_now + datetime.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
        held_at = self._working_time(self.now - datetime.timedelta(days=10))
        (demo_title, demo_place), (talk_title, talk_place), (deal_title, deal_place) = MEETINGS
        # Within the hour: its reminder is due as soon as the worker looks.
        self._add(
            self.now - datetime.timedelta(days=2),
            self._schedule("soon", rep, customers[0], soon, demo_title, demo_place),
        )
        self._add(
            self.now - datetime.timedelta(days=1),
            self._schedule("tomorrow", rep, customers[1], tomorrow, talk_title, talk_place),
        )
        self._add(
            held_at - datetime.timedelta(days=3),
            self._schedule("held", rep, customers[2], held_at, deal_title, deal_place),
        )
        self._add(held_at + datetime.timedelta(hours=2), self._hold("held", rep))
        self._add(
            self.now - datetime.timedelta(days=6),
            self._schedule(
                "cancelled", rep, customers[3], tomorrow + datetime.timedelta(days=2), "季度回访", "客户工厂"
            ),
        )
        self._add(self.now - datetime.timedelta(days=3), self._cancel("cancelled", rep))

    def _schedule(self, key, rep, customer, starts_at, title, place):
        def step():
            self.meetings[key] = meeting_schedule(
                customer=customer,
                actor=rep,
                title=title,
                starts_at=starts_at,
                place=place,
                contacts=list(customer.contacts.all()[:1]),
            )
            self.made["meetings"] += 1

        return step

    def _hold(self, key, rep):
        def step():
            meeting_hold(
                meeting=self.meetings[key],
                actor=rep,
                notes="演示了整线方案，客户技术负责人关注维护成本和备件供应。",
                outcome="准备正式报价",
            )
            self.made["follow-ups"] += 1

        return step

    def _cancel(self, key, rep):
        def step():
            meeting_cancel(meeting=self.meetings[key], actor=rep, reason="客户负责人临时出差，改期再约")

        return step

    # --- contracts -------------------------------------------------------------------------

    def _plan_contract(self, customers, position, title, days_left, amount, fate) -> None:
        customer = customers[position % len(customers)]
        today = timezone.localdate(self.now)
        end = today + datetime.timedelta(days=days_left)
        start = end - datetime.timedelta(days=364)
        entered = self._working_time(self.now - datetime.timedelta(days=self.rng.randint(40, 55)))
        holder = {}

        def create():
            holder["contract"] = contract_create(
                customer=customer,
                actor=customer.owner,
                title=title,
                start_date=start,
                end_date=end,
                amount=amount,
                notes="一年期，到期前一个月沟通续签。" if fate != "draft" else "",
            )
            self.made["contracts"] += 1

        self._add(entered, create)
        if fate == "draft":
            return

        def activate():
            holder["contract"] = contract_activate(contract=holder["contract"], actor=customer.owner)

        self._add(entered + datetime.timedelta(days=2), activate)
        if fate == "terminated":

            def terminate():
                contract_terminate(
                    contract=holder["contract"], actor=customer.owner, reason="客户设备提前退租，双方协商解除"
                )

            self._add(entered + datetime.timedelta(days=20), terminate)

    # --- leads and opportunities -----------------------------------------------------------

    def _plan_lead(self, rep, customers, company, contact, source, hours_ago, fate) -> None:
        entered = self.now - datetime.timedelta(hours=hours_ago)
        holder = {}

        def create():
            holder["lead"] = lead_create(
                actor=rep, company=company, contact_name=contact, phone=self._mobile(), source=source
            )
            self.made["leads"] += 1

        self._add(entered, create)
        if fate == "new":
            return
        # Called back within a few hours.
        self._add(
            entered + datetime.timedelta(hours=2),
            lambda: lead_contact(lead=holder["lead"], actor=rep, note="电话联系，了解需求并发送了公司介绍"),
        )
        later = entered + datetime.timedelta(days=3)
        if fate == "converted":
            # The same company was already a customer under its group's name: linked, not entered twice.
            self._add(later, lambda: lead_convert(lead=holder["lead"], actor=rep, customer=customers[-1]))
        elif fate == "disqualified":
            self._add(later, lambda: lead_disqualify(lead=holder["lead"], actor=rep, reason="同行询价，无实际采购需求"))

    def _plan_deal(self, customers, position, name, amount, stages, days_ago) -> None:
        customer = customers[position % len(customers)]
        start = self._working_time(self.now - datetime.timedelta(days=days_ago))
        holder = {}

        def create():
            holder["deal"] = opportunity_create(
                customer=customer,
                actor=customer.owner,
                name=name,
                amount=amount,
                expected_close_on=timezone.localdate(self.now) + datetime.timedelta(days=self.rng.randint(10, 60)),
            )
            self.made["opportunities"] += 1

        self._add(start, create)
        step = days_ago / (len(stages) + 1)
        for index, stage in enumerate(stages, start=1):
            moment = start + datetime.timedelta(days=step * index)

            def move(stage=stage):
                reason = self.rng.choice(LOST_REASONS) if stage == "lost" else ""
                holder["deal"] = opportunity_move(
                    opportunity=holder["deal"], actor=customer.owner, stage=stage, lost_reason=reason
                )

            self._add(moment, move)

    def _mobile(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randint(0, 9)}{self.rng.randint(1000_0000, 9999_9999)}"
