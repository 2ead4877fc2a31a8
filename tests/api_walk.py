"""The records the API permission walk acts on: one of each, in the state each action needs.

Everything customer-related belongs to Alice (rep1), so her teammate Bob (rep2) and Carol
(rep3) of another team are out of its scope; products, the warehouse and the stock ledger
are shared. rep2 and rep3 each also own a customer, so a create they may send has one to
name.
"""

import datetime
from decimal import Decimal

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gendan.accounts.models import User
from gendan.accounts.roles import Role
from gendan.accounts.services import api_token_issue
from gendan.accounts.services_saved_views import saved_view_create
from gendan.analytics.alerts import alert_rule_create
from gendan.analytics.models import Alert
from gendan.analytics.services_reports import report_create
from gendan.analytics.services_targets import target_set
from gendan.automation.models import DeliveryStatus, EventWebhook, WebhookDelivery
from gendan.automation.services import task_create
from gendan.automation.services_comments import attachment_add, comment_create
from gendan.automation.services_webhooks import event_webhook_create
from gendan.core.models import Event
from gendan.core.services_custom_fields import custom_field_create
from gendan.crm.services_contracts import contract_activate, contract_create
from gendan.crm.services_followups import followup_create, meeting_schedule
from gendan.crm.services_pipeline import lead_create, opportunity_create
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.finance.services_credit_notes import credit_note_create
from gendan.finance.services_statements import statement_create, statement_dispute
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.imports.services import import_check, import_create
from gendan.inventory.models import StockMove
from gendan.sales.models import ApprovalRequest, OrderStatus, QuotationStatus
from gendan.sales.services_approvals import approval_rule_create
from gendan.sales.services_changes import change_request_create, change_request_submit
from gendan.sales.services_credit import credit_override_request
from gendan.sales.tests.quotation_helpers import quotation_at

from .backbone import COURIER, draft_order, stocked_products
from .factories import customer_ready_to_order
from .stages import order_at

# Who sees Alice's records: everyone but her teammate (own scope) and the other team's rep.
SEES_ALICES = frozenset(
    {
        "rep1",
        "manager1",
        "follower1",
        "warehouse1",
        "production1",
        "logistics1",
        "finance1",
        "service1",
        "boss1",
        "admin",
    }
)


def _shipment_of(order, clerk, *, ship: bool):
    shipment = shipment_create(order=order, actor=clerk, **COURIER)
    return shipment_ship(shipment=shipment, actor=clerk) if ship else shipment


def walk_world(people) -> dict[str, int]:
    """{record: id} — each record in the state its actions need, every one of rep1's but the shared ones."""
    rep, manager, clerk, finance = people["rep1"], people["manager1"], people["warehouse1"], people["finance1"]
    today = timezone.localdate()
    customer = customer_ready_to_order(rep)

    _warehouse, products = stocked_products(1)
    order_draft = draft_order(rep, products, customer=customer)
    order_confirmed = order_at(OrderStatus.CONFIRMED, people)
    to_invoice = order_at(OrderStatus.SHIPPED, people)
    draft_invoice = invoice_create(order=order_at(OrderStatus.SHIPPED, people), actor=finance)
    open_invoice = invoice_issue(
        invoice=invoice_create(order=order_at(OrderStatus.SHIPPED, people), actor=finance), actor=finance
    )
    # The open invoice's customer: a month with a line to dispute.
    month = {
        "customer": open_invoice.customer,
        "period_start": today - datetime.timedelta(days=30),
        "period_end": today,
    }
    statement, _token = statement_create(actor=finance, **month)
    disputed, _token = statement_create(actor=finance, **month)
    statement_dispute(statement=disputed, lines=[{"index": 1, "comment": "金额不对"}])
    credit_note = credit_note_create(
        actor=finance, invoice=open_invoice, reason="包装破损，折让", amount=Decimal("5.00")
    )
    # Money received and not yet put against any invoice: what `allocate` spends.
    payment = payment_record(
        actor=finance, customer=open_invoice.customer, amount=Decimal("10.00"), received_on=today, allocations=[]
    )
    draft_contract = contract_create(
        customer=customer,
        actor=rep,
        title="年度供货协议",
        start_date=today,
        end_date=today + datetime.timedelta(days=365),
    )
    active_contract = contract_activate(
        contract=contract_create(
            customer=customer,
            actor=rep,
            title="维保协议",
            start_date=today,
            end_date=today + datetime.timedelta(days=365),
        ),
        actor=rep,
    )
    task = task_create(actor=manager, title="回访客户", assignee=rep, related=customer)
    quotation_draft = quotation_at(QuotationStatus.DRAFT, people, customer=customer)
    # Scheduled yesterday for an hour later: still planned, and already held.
    with time_machine.travel(timezone.now() - datetime.timedelta(days=1)):
        meeting = meeting_schedule(
            customer=customer, actor=rep, title="上门拜访", starts_at=timezone.now() + datetime.timedelta(hours=1)
        )

    # A customer with room for nothing: one order to ask a credit override for, one whose override waits.
    tight = customer_ready_to_order(rep, credit_limit=Decimal("1.00"))
    over_credit = draft_order(rep, products, customer=tight)
    credit_pending = draft_order(rep, products, customer=tight)
    credit_override_request(order=credit_pending, actor=rep, reason="年底大单")

    changed = order_at(OrderStatus.CONFIRMED, people)
    (changed_line,) = changed.lines.all()

    def change(quantity, discount="0"):
        return change_request_create(
            order=changed,
            actor=rep,
            reason="客户调整数量",
            lines=[{"line": changed_line.pk, "quantity": Decimal(quantity), "discount_percent": Decimal(discount)}],
        )

    # One gone stale when another was applied, one waiting for approval (15% is above a rep's limit), a draft.
    change_stale = change("4")
    change_request_submit(change=change("5"), actor=rep)
    change_pending = change_request_submit(change=change("2", discount="15"), actor=rep)
    change_draft = change("3")

    return {
        "product": quotation_draft.lines.get().product_id,
        "warehouse": order_draft.warehouse_id,
        "stock-move": StockMove.objects.order_by("pk").first().pk,
        "customer": customer.pk,
        "customer:rep2": customer_ready_to_order(people["rep2"]).pk,
        "customer:rep3": customer_ready_to_order(people["rep3"]).pk,
        "follow-up": followup_create(customer=customer, actor=rep, notes="电话沟通交期").pk,
        "meeting": meeting.pk,
        "contract:draft": draft_contract.pk,
        "contract:active": active_contract.pk,
        "lead": lead_create(actor=rep, company="新线索有限公司", phone="13800000000").pk,
        "opportunity": opportunity_create(customer=customer, actor=rep, name="年度采购").pk,
        "order:draft": order_draft.pk,
        # Alice's, on her draft order: only she edits it; she or an administrator removes it.
        "comment": comment_create(actor=rep, record=order_draft, body="请确认交期").pk,
        "attachment": attachment_add(actor=rep, record=order_draft, upload=walk_pdf("合同扫描.pdf")).pk,
        "order:over-credit": over_credit.pk,
        "order:credit-pending": credit_pending.pk,
        "order:pending": (pending := order_at(OrderStatus.PENDING_APPROVAL, people)).pk,
        "approval": ApprovalRequest.objects.get(order=pending).pk,
        "approval-rule": approval_rule_create(
            actor=people["admin"],
            name="大单",
            conditions=[{"type": "total_above", "amount": "1000000"}],
            levels=[{"approvers": ["role:executive"], "mode": "any"}],
        ).pk,
        "alert-rule": alert_rule_create(actor=people["admin"], **ALERT_RULE).pk,
        "alert": _alert_for(rep, people["admin"]).pk,
        "webhook": (webhook := _webhook_with_a_dead_delivery(people["admin"])).pk,
        "webhook-delivery": webhook.deliveries.get().pk,
        "import": _checked_import(rep).pk,
        "custom-field": custom_field_create(
            actor=people["admin"], record_type="crm.customer", key="tier", label="等级", kind="choice", choices=["金"]
        ).pk,
        "order:confirmed": order_confirmed.pk,
        "order:on-hold": order_at(OrderStatus.ON_HOLD, people).pk,
        "order:to-invoice": to_invoice.pk,
        "quotation:draft": quotation_draft.pk,
        "quotation:sent": quotation_at(QuotationStatus.SENT, people).pk,
        "shipment:draft": _shipment_of(order_at(OrderStatus.CONFIRMED, people), clerk, ship=False).pk,
        "shipment:shipped": _shipment_of(order_at(OrderStatus.CONFIRMED, people), clerk, ship=True).pk,
        "invoice:draft": draft_invoice.pk,
        "invoice:open": open_invoice.pk,
        "customer:invoice-open": open_invoice.customer_id,
        "credit-note:draft": credit_note.pk,
        "statement:draft": statement.pk,
        "statement:disputed": disputed.pk,
        "payment": payment.pk,
        "task": task.pk,
        "notification": task.notifications.get().pk,
        "user:rep2": people["rep2"].pk,
        "api-token": api_token_issue(actor=rep, name="ERP")[0].pk,
        # Alice's own: her teammates see only the views she shares.
        "saved-view": saved_view_create(actor=rep, list_name="orders", name="大单", query="sort=-total").pk,
        # Alice's own, and one a teammate outside the walk shares with the East team (she, Bob and the follower
        # may subscribe to it; its owner could not).
        "report": report_create(actor=rep, name="周报", dimensions=["owner"], measures=["sales"]).pk,
        "report:shared": _shared_report(people).pk,
        # Alice's target for this year, set by her department head.
        "target": target_set(
            actor=manager, metric="sales", period="year", year=today.year, amount=Decimal("100000"), owner=rep
        ).pk,
        "user:rep1": rep.pk,
        "order:changed": changed.pk,
        "change-request:pending": change_pending.pk,
        "change-request:draft": change_draft.pk,
        "change-request:stale": change_stale.pk,
    }


def walk_pdf(name: str) -> SimpleUploadedFile:
    """The smallest file a PDF check accepts: its header and its end-of-file marker."""
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def _shared_report(people):
    teammate = User.objects.create_user(username="rep9", role=Role.SALES_REP, department=people["rep1"].department)
    return report_create(
        actor=teammate,
        name="东区周报",
        dimensions=["week", "owner"],
        measures=["sales"],
        shared_with=teammate.department_id,
        schedule="weekly",
    )


ALERT_RULE = {
    "name": "周销售下滑",
    "kind": "metric_drop",
    "metric": "sales",
    "period": "week",
    "compare": "previous",
    "threshold_percent": Decimal("20"),
    "recipient_role": "executive",
}


def _checked_import(rep):
    """Alice's spreadsheet of one customer, checked and clean: what a commit takes."""
    upload = SimpleUploadedFile("客户.csv", "客户名称,联系人\n导入客户有限公司,周立\n".encode())
    imp = import_create(actor=rep, kind="customers", upload=upload)
    import_check(imp.pk)
    return imp


def _webhook_with_a_dead_delivery(admin) -> EventWebhook:
    """An event webhook to a closed port, with one delivery that failed for good (what a replay sends again)."""
    webhook = event_webhook_create(actor=admin, url="http://127.0.0.1:9/gendan", events=["*"], secret="s" * 20)
    WebhookDelivery.objects.create(
        webhook=webhook, event=Event.objects.order_by("pk").first(), status=DeliveryStatus.FAILED, attempts=6
    )
    return webhook


def _alert_for(person, admin) -> Alert:
    """An alert of Alice's, raised by a rule of its own (a rule that raised alerts is not deleted)."""
    rule = alert_rule_create(actor=admin, **{**ALERT_RULE, "name": "月销售下滑", "period": "month"})
    today = timezone.localdate()
    return Alert.objects.create(
        rule=rule,
        recipient=person,
        fired_at=timezone.now(),
        period_start=today.replace(day=1),
        period_end=today,
        value=Decimal("800.00"),
        compare_value=Decimal("1000.00"),
        change_percent=Decimal("-20.0"),
    )
