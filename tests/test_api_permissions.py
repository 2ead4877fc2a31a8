"""Every role against every operation of the API.

Alice (rep1) and Bob (rep2) sell in East team, Carol (rep3) in North team. Each of Alice
and Carol has a customer with an order that went through shipment, invoice and payment.
Out-of-scope records are 404 — never 403, which would confirm they exist.

The walk at the end is generated from the router: every (route, method) it serves must have
a line in WALK saying who may call it, so a new route cannot be left out; each role then
calls every operation and gets 401, 403, 404 or the success the line states.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gendan.accounts.models import User
from gendan.accounts.roles import Role
from gendan.api_urls import router
from gendan.core.models import Event
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.api_walk import SEES_ALICES, walk_pdf, walk_world
from tests.backbone import COURIER, draft_order, stocked_products

pytestmark = pytest.mark.django_db

SCOPED = ["customers", "orders", "shipments", "invoices", "payments"]
OPEN_TO_ALL = ["products", "warehouses", "stock-moves"]

ROLES = [
    "rep1",
    "rep2",
    "rep3",
    "manager1",
    "follower1",
    "warehouse1",
    "logistics1",
    "finance1",
    "service1",
    "boss1",
    "admin",
]

# Whose records each role sees: its data scope over the teams above.
SEES = {
    "rep1": {"rep1"},
    "rep2": set(),  # own records only: a teammate's are not his
    "rep3": {"rep3"},
    "manager1": {"rep1", "rep3"},  # the sales department and every team below it
    "follower1": {"rep1"},  # the East team
    "warehouse1": {"rep1", "rep3"},
    "logistics1": {"rep1", "rep3"},
    "finance1": {"rep1", "rep3"},
    "service1": {"rep1", "rep3"},
    "boss1": {"rep1", "rep3"},
    "admin": {"rep1", "rep3"},
}

# What each role may create through the API.
CREATES = {
    "rep1": {"customers", "orders"},
    "rep2": {"customers", "orders"},
    "rep3": {"customers", "orders"},
    "manager1": {"customers", "orders"},
    "follower1": {"customers", "orders", "shipments"},
    "warehouse1": {"shipments", "stock-moves"},
    "logistics1": {"shipments"},
    "finance1": {"invoices", "payments"},
    "service1": set(),
    "boss1": set(),
    "admin": {
        "customers",
        "orders",
        "shipments",
        "invoices",
        "payments",
        "products",
        "warehouses",
        "stock-moves",
    },
}


@pytest.fixture
def world(personas):
    """{owner: {resource: id}} for rep1's and rep3's order-to-cash, plus the shared records."""
    warehouse, products = stocked_products(2)
    records = {}
    for rep in ("rep1", "rep3"):
        order = order_submit(order=draft_order(personas[rep], products), actor=personas[rep])
        shipment = shipment_create(order=order, actor=personas["warehouse1"])
        shipment_ship(shipment=shipment, actor=personas["warehouse1"], **COURIER)
        invoice = invoice_issue(
            invoice=invoice_create(order=order, actor=personas["finance1"]), actor=personas["finance1"]
        )
        payment = payment_record(
            actor=personas["finance1"],
            customer=order.customer,
            amount=invoice.total,
            received_on=timezone.localdate(),
            allocations=[{"invoice": invoice, "amount": invoice.total}],
        )
        records[rep] = {
            "customers": order.customer_id,
            "orders": order.pk,
            "shipments": shipment.pk,
            "invoices": invoice.pk,
            "payments": payment.pk,
        }
    records["shared"] = {
        "products": products[0].pk,
        "warehouses": warehouse.pk,
        "stock-moves": StockMove.objects.first().pk,
    }
    return records


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_and_opens_exactly_the_records_in_its_scope(personas, world, role):
    # given
    client = api_as(personas[role])
    visible = SEES[role]

    # when
    listed = {r: {row["id"] for row in client.get(f"/api/v1/{r}/").json()["results"]} for r in SCOPED}
    opened = {
        (owner, r): client.get(f"/api/v1/{r}/{world[owner][r]}/").status_code
        for owner in ("rep1", "rep3")
        for r in SCOPED
    }
    timelines = {
        (owner, r): client.get(f"/api/v1/{r}/{world[owner][r]}/events/").status_code
        for owner in ("rep1", "rep3")
        for r in SCOPED
    }

    # then
    assert listed == {r: {world[owner][r] for owner in visible} for r in SCOPED}
    expected = {(owner, r): 200 if owner in visible else 404 for owner in ("rep1", "rep3") for r in SCOPED}
    assert opened == expected
    assert timelines == expected


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_the_catalogue_and_stock(personas, world, role):
    client = api_as(personas[role])

    lists = {r: client.get(f"/api/v1/{r}/").status_code for r in [*OPEN_TO_ALL, "stock-levels"]}
    details = {r: client.get(f"/api/v1/{r}/{world['shared'][r]}/").status_code for r in OPEN_TO_ALL}
    levels = client.get("/api/v1/stock-levels/").json()

    assert lists == dict.fromkeys([*OPEN_TO_ALL, "stock-levels"], 200)
    assert details == dict.fromkeys(OPEN_TO_ALL, 200)
    assert levels["count"] == StockLevel.objects.count() == 2


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_create_only_what_its_role_allows(personas, role):
    # An empty body: a role that may create gets 400 (the fields it must send), one that
    # may not gets 403 before its input is even looked at.
    client = api_as(personas[role])
    resources = [*SCOPED, *OPEN_TO_ALL]

    answers = {r: client.post(f"/api/v1/{r}/", {}, format="json").status_code for r in resources}

    assert answers == {r: 400 if r in CREATES[role] else 403 for r in resources}


def test_a_rep_acting_on_a_teammates_records_by_id_gets_404(personas, world):
    # given: Bob knows the ids of Alice's records
    client = api_as(personas["rep2"])
    order, customer = world["rep1"]["orders"], world["rep1"]["customers"]

    # then
    assert client.patch(f"/api/v1/orders/{order}/", {"notes": "x"}, format="json").status_code == 404
    assert client.post(f"/api/v1/orders/{order}/hold/", {"reason": "x"}, format="json").status_code == 404
    assert client.post(f"/api/v1/orders/{order}/cancel/", {"reason": "x"}, format="json").status_code == 404
    assert client.patch(f"/api/v1/customers/{customer}/", {"notes": "x"}, format="json").status_code == 404


def test_filtering_by_an_out_of_scope_id_finds_nothing_rather_than_an_error(personas, world):
    client = api_as(personas["rep1"])
    carol = world["rep3"]

    assert client.get("/api/v1/orders/", {"customer": carol["customers"]}).json()["count"] == 0
    assert client.get("/api/v1/shipments/", {"order": carol["orders"]}).json()["count"] == 0
    assert client.get("/api/v1/invoices/", {"order": carol["orders"]}).json()["count"] == 0
    assert client.get("/api/v1/payments/", {"customer": carol["customers"]}).json()["count"] == 0


def test_an_out_of_scope_customer_cannot_be_ordered_for(personas, world):
    carol = world["rep3"]

    response = api_as(personas["rep1"]).post(
        "/api/v1/orders/",
        {"customer": carol["customers"], "lines": [{"product": world["shared"]["products"], "quantity": "1"}]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["customer"]


# --- the walk: every operation of the router, as every role ---------------------------------------

ANONYMOUS = "anonymous"
# The personas, and one for the role they leave out, so the walk meets every role there is.
WALK_ROLES = [*ROLES, "production1"]
EVERYONE = frozenset(WALK_ROLES)
# Who holds which permission (gendan/accounts/roles.py), spelt out: the walk checks the roles
# against this table, not the table against the roles.
SELLERS = frozenset({"rep1", "rep2", "rep3", "manager1", "follower1", "admin"})
QUOTERS = SELLERS - {"follower1"}
CRM_READERS = SELLERS | {"service1", "boss1"}
CONTRACT_READERS = CRM_READERS | {"finance1"}
APPROVERS = frozenset({"manager1", "boss1", "admin"})
ASSIGNERS = frozenset({"manager1", "admin"})
HOLDERS = SELLERS | {"finance1"}
SHIPMENT_MAKERS = frozenset({"follower1", "warehouse1", "logistics1", "admin"})
CARRIERS = frozenset({"warehouse1", "logistics1", "admin"})
BILLERS = frozenset({"finance1", "admin"})
STOCK_CLERKS = frozenset({"warehouse1", "admin"})
# Whoever may enter customers, products or stock by hand may import them (which kind, the service decides).
IMPORTERS = SELLERS | STOCK_CLERKS
ADMINS = frozenset({"admin"})
ALERT_SETTERS = frozenset({"boss1", "admin"})
# Who works the worklists (by role, as the navigation shows them: fulfillment/worklists.py, finance/worklists.py).
SHIPPERS = frozenset({"warehouse1", "logistics1", "follower1", "admin"})
FINANCE_DESK = frozenset({"finance1", "boss1", "admin"})
# Who sets targets (analytics.set_target): the department head, the team leader (for their team's reps), the
# executive and the administrator.
TARGET_SETTERS = frozenset({"manager1", "follower1", "boss1", "admin"})


@dataclass(frozen=True)
class Op:
    """Who may call one operation, on which record, with what body, and what a success answers.

    `may`: the roles the permission check lets through (the rest get 403). `on`: the record
    of `walk_world` a detail route is called on; a role that may but does not see it gets 404.
    `body(ids, role)`: a valid request, so a role that may and sees gets `ok`.
    """

    may: frozenset[str]
    ok: int = 200
    on: str | None = None
    body: Callable[[dict, str], dict] | None = None
    # The route's other parts beside the record's pk (a webhook's delivery), from the walk's ids.
    parts: Callable[[dict], dict] | None = None
    # The record a list's query or a create's body names (a comment's record): out of sight, 404.
    about: str | None = None
    query: Callable[[dict], dict] | None = None
    # Decided by the record itself (only a comment's author edits it): whoever does not see it gets 404, never
    # 403, which would tell them it exists.
    scope_first: bool = False
    format: str = "json"


def _customer(ids, role):
    return ids.get(f"customer:{role}", ids["customer"])


def _line(ids):
    return [{"product": ids["product"], "quantity": "1"}]


_ALERT_RULE = {
    "name": "周销售",
    "kind": "metric_drop",
    "metric": "sales",
    "period": "week",
    "compare": "previous",
    "threshold_percent": "20",
    "recipient_role": "executive",
}


def _import_upload(ids, role):
    return {"kind": "customers", "file": SimpleUploadedFile("客户.csv", f"客户名称\n{role}导入的客户\n".encode())}


_WEBHOOK = {
    "url": "https://erp.example.com/gendan",
    "events": ["order.confirmed"],
    "secret": "共享密钥-0123456789abcdef",
}


def _on_draft(ids):
    return {"object_type": "order", "object_id": ids["order:draft"]}


# A day well ahead, for meetings to come and contracts in force.
LATER = "2030-01-01"

WALK: dict[tuple[str, str], Op] = {
    ("api-root", "get"): Op(EVERYONE),
    # API tokens: everyone has their own, and only their own
    ("api-token-list", "get"): Op(EVERYONE),
    ("api-token-detail", "delete"): Op(EVERYONE, 204, on="api-token", body=lambda ids, role: {}),
    # saved views of lists: everyone keeps their own; only the owner changes one
    ("saved-view-list", "get"): Op(EVERYONE),
    ("saved-view-list", "post"): Op(
        EVERYONE, 201, body=lambda ids, role: {"name": f"{role}的视图", "list": "orders", "query": "status=draft"}
    ),
    ("saved-view-detail", "get"): Op(EVERYONE, on="saved-view"),
    ("saved-view-detail", "put"): Op(
        EVERYONE, on="saved-view", body=lambda ids, role: {"name": "待提交", "query": "status=draft"}
    ),
    ("saved-view-detail", "patch"): Op(EVERYONE, on="saved-view", body=lambda ids, role: {"columns": ["total"]}),
    ("saved-view-detail", "delete"): Op(EVERYONE, 204, on="saved-view", body=lambda ids, role: {}),
    # saved reports: everyone builds their own of the metrics they see; only the owner changes one
    ("report-list", "get"): Op(EVERYONE),
    ("report-list", "post"): Op(
        EVERYONE,
        201,
        body=lambda ids, role: {"name": f"{role}的报表", "dimensions": ["owner"], "measures": ["overdue_tasks"]},
    ),
    ("report-detail", "get"): Op(EVERYONE, on="report"),
    ("report-detail", "put"): Op(
        EVERYONE, on="report", body=lambda ids, role: {"name": "月报", "dimensions": ["month"], "measures": ["orders"]}
    ),
    ("report-detail", "patch"): Op(EVERYONE, on="report", body=lambda ids, role: {"schedule": "weekly"}),
    ("report-detail", "delete"): Op(EVERYONE, 204, on="report", body=lambda ids, role: {}),
    ("report-run", "get"): Op(EVERYONE, on="report"),
    ("report-subscribe", "post"): Op(EVERYONE, on="report:shared", body=lambda ids, role: {"subscribed": True}),
    # targets: read by everyone within their sight, set by those who oversee the subject
    ("target-list", "get"): Op(EVERYONE),
    ("target-list", "post"): Op(
        TARGET_SETTERS,
        201,
        body=lambda ids, role: {
            "metric": "sales",
            "period": "month",
            "year": 2030,
            "month": 1,
            "amount": "5000",
            "owner": ids["user:rep1"],
        },
    ),
    ("target-detail", "get"): Op(EVERYONE, on="target"),
    ("target-detail", "put"): Op(TARGET_SETTERS, on="target", body=lambda ids, role: {"amount": "120000"}),
    ("target-detail", "patch"): Op(TARGET_SETTERS, on="target", body=lambda ids, role: {"amount": "90000"}),
    ("target-detail", "delete"): Op(TARGET_SETTERS, 204, on="target", body=lambda ids, role: {}),
    # customers
    ("customer-list", "get"): Op(EVERYONE),
    ("customer-list", "post"): Op(SELLERS, 201, body=lambda ids, role: {"name": f"{role}的新客户"}),
    ("customer-detail", "get"): Op(EVERYONE, on="customer"),
    ("customer-detail", "put"): Op(SELLERS, on="customer", body=lambda ids, role: {"name": "改名客户"}),
    ("customer-detail", "patch"): Op(SELLERS, on="customer", body=lambda ids, role: {"notes": "x"}),
    ("customer-events", "get"): Op(EVERYONE, on="customer"),
    # follow-ups and meetings
    ("follow-up-list", "get"): Op(CRM_READERS),
    ("follow-up-list", "post"): Op(
        SELLERS, 201, body=lambda ids, role: {"customer": _customer(ids, role), "notes": "电话回访"}
    ),
    ("follow-up-detail", "get"): Op(CRM_READERS, on="follow-up"),
    ("meeting-list", "get"): Op(CRM_READERS),
    ("meeting-list", "post"): Op(
        SELLERS,
        201,
        body=lambda ids, role: {"customer": _customer(ids, role), "title": "拜访", "starts_at": f"{LATER}T10:00"},
    ),
    ("meeting-detail", "get"): Op(CRM_READERS, on="meeting"),
    ("meeting-detail", "put"): Op(
        SELLERS, on="meeting", body=lambda ids, role: {"title": "改期拜访", "starts_at": "2030-01-02T10:00"}
    ),
    ("meeting-detail", "patch"): Op(SELLERS, on="meeting", body=lambda ids, role: {"place": "客户工厂"}),
    ("meeting-events", "get"): Op(CRM_READERS, on="meeting"),
    ("meeting-hold", "post"): Op(SELLERS, on="meeting", body=lambda ids, role: {"notes": "谈妥交期"}),
    ("meeting-cancel", "post"): Op(SELLERS, on="meeting", body=lambda ids, role: {"reason": "客户改期"}),
    # contracts
    ("contract-list", "get"): Op(CONTRACT_READERS),
    ("contract-list", "post"): Op(
        SELLERS,
        201,
        body=lambda ids, role: {
            "customer": _customer(ids, role),
            "title": "供货协议",
            "start_date": LATER,
            "end_date": "2030-12-31",
        },
    ),
    ("contract-detail", "get"): Op(CONTRACT_READERS, on="contract:draft"),
    ("contract-detail", "put"): Op(
        SELLERS,
        on="contract:draft",
        body=lambda ids, role: {"title": "供货协议", "start_date": LATER, "end_date": "2030-12-31"},
    ),
    ("contract-detail", "patch"): Op(SELLERS, on="contract:draft", body=lambda ids, role: {"notes": "x"}),
    ("contract-events", "get"): Op(CONTRACT_READERS, on="contract:draft"),
    ("contract-activate", "post"): Op(SELLERS, on="contract:draft", body=lambda ids, role: {}),
    ("contract-terminate", "post"): Op(SELLERS, on="contract:active", body=lambda ids, role: {"reason": "提前终止"}),
    # leads and opportunities
    ("lead-list", "get"): Op(CRM_READERS),
    ("lead-list", "post"): Op(
        SELLERS, 201, body=lambda ids, role: {"company": f"{role}的线索", "phone": "13800000000"}
    ),
    ("lead-detail", "get"): Op(CRM_READERS, on="lead"),
    ("lead-detail", "put"): Op(SELLERS, on="lead", body=lambda ids, role: {"company": "改名线索"}),
    ("lead-detail", "patch"): Op(SELLERS, on="lead", body=lambda ids, role: {"notes": "x"}),
    ("lead-events", "get"): Op(CRM_READERS, on="lead"),
    ("lead-contact", "post"): Op(SELLERS, on="lead", body=lambda ids, role: {"note": "已电话联系"}),
    ("lead-convert", "post"): Op(SELLERS, on="lead", body=lambda ids, role: {}),
    ("lead-disqualify", "post"): Op(SELLERS, on="lead", body=lambda ids, role: {"reason": "无预算"}),
    ("opportunity-list", "get"): Op(CRM_READERS),
    ("opportunity-list", "post"): Op(
        SELLERS, 201, body=lambda ids, role: {"customer": _customer(ids, role), "name": "新商机"}
    ),
    ("opportunity-detail", "get"): Op(CRM_READERS, on="opportunity"),
    ("opportunity-detail", "put"): Op(SELLERS, on="opportunity", body=lambda ids, role: {"name": "改名商机"}),
    ("opportunity-detail", "patch"): Op(SELLERS, on="opportunity", body=lambda ids, role: {"notes": "x"}),
    ("opportunity-events", "get"): Op(CRM_READERS, on="opportunity"),
    ("opportunity-move", "post"): Op(SELLERS, on="opportunity", body=lambda ids, role: {"stage": "proposal"}),
    # catalogue and stock
    ("product-list", "get"): Op(EVERYONE),
    ("product-list", "post"): Op(
        ADMINS,
        201,
        body=lambda ids, role: {"sku": "NEW-1", "name": "新品", "unit": "pcs", "list_price": "10", "floor_price": "8"},
    ),
    ("product-detail", "get"): Op(EVERYONE, on="product"),
    ("product-detail", "put"): Op(
        ADMINS,
        on="product",
        body=lambda ids, role: {"sku": "NEW-1", "name": "新品", "unit": "pcs", "list_price": "10", "floor_price": "8"},
    ),
    ("product-detail", "patch"): Op(ADMINS, on="product", body=lambda ids, role: {"name": "改名产品"}),
    ("product-events", "get"): Op(EVERYONE, on="product"),
    ("warehouse-list", "get"): Op(EVERYONE),
    ("warehouse-list", "post"): Op(ADMINS, 201, body=lambda ids, role: {"code": "BJ", "name": "北京仓"}),
    ("warehouse-detail", "get"): Op(EVERYONE, on="warehouse"),
    ("warehouse-events", "get"): Op(EVERYONE, on="warehouse"),
    ("stock-level-list", "get"): Op(EVERYONE),
    ("stock-move-list", "get"): Op(EVERYONE),
    ("stock-move-list", "post"): Op(
        STOCK_CLERKS,
        201,
        body=lambda ids, role: {
            "kind": "receipt",
            "product": ids["product"],
            "warehouse": ids["warehouse"],
            "quantity": "5",
        },
    ),
    ("stock-move-detail", "get"): Op(EVERYONE, on="stock-move"),
    ("stock-move-events", "get"): Op(EVERYONE, on="stock-move"),
    # orders
    ("order-list", "get"): Op(EVERYONE),
    ("order-list", "post"): Op(
        SELLERS, 201, body=lambda ids, role: {"customer": _customer(ids, role), "lines": _line(ids)}
    ),
    ("order-detail", "get"): Op(EVERYONE, on="order:draft"),
    ("order-detail", "put"): Op(
        SELLERS, on="order:draft", body=lambda ids, role: {"customer": ids["customer"], "lines": _line(ids)}
    ),
    ("order-detail", "patch"): Op(SELLERS, on="order:draft", body=lambda ids, role: {"notes": "x"}),
    ("order-events", "get"): Op(EVERYONE, on="order:draft"),
    ("order-pdf", "get"): Op(EVERYONE, on="order:draft"),
    ("order-status-link", "post"): Op(SELLERS, 201, on="order:draft", body=lambda ids, role: {}),
    ("order-credit-overrides", "get"): Op(EVERYONE, on="order:credit-pending"),
    ("order-credit-overrides", "post"): Op(
        SELLERS, 201, on="order:over-credit", body=lambda ids, role: {"reason": "年底大单", "days": 3}
    ),
    ("order-withdraw-credit-override", "post"): Op(SELLERS, on="order:credit-pending", body=lambda ids, role: {}),
    ("order-bulk-assign", "post"): Op(
        ASSIGNERS, body=lambda ids, role: {"orders": [ids["order:draft"]], "owner": ids["user:rep2"]}
    ),
    ("order-submit", "post"): Op(SELLERS, on="order:draft", body=lambda ids, role: {}),
    ("order-approve", "post"): Op(APPROVERS, on="order:pending", body=lambda ids, role: {"comment": "同意"}),
    ("order-reject", "post"): Op(APPROVERS, on="order:pending", body=lambda ids, role: {"comment": "折扣过高"}),
    # changes to a confirmed order and its revisions: read with the order, made by the people who sell
    ("order-change-requests", "get"): Op(EVERYONE, on="order:changed"),
    ("order-change-requests", "post"): Op(
        SELLERS, 201, on="order:changed", body=lambda ids, role: {"reason": "客户要求", "requested_date": LATER}
    ),
    ("order-revisions", "get"): Op(EVERYONE, on="order:changed"),
    ("order-compare-revisions", "get"): Op(EVERYONE, on="order:changed"),
    ("change-request-list", "get"): Op(EVERYONE),
    ("change-request-detail", "get"): Op(EVERYONE, on="change-request:draft"),
    ("change-request-detail", "put"): Op(
        SELLERS, on="change-request:draft", body=lambda ids, role: {"reason": "客户再次调整"}
    ),
    ("change-request-detail", "patch"): Op(
        SELLERS, on="change-request:draft", body=lambda ids, role: {"promised_date": LATER}
    ),
    ("change-request-submit", "post"): Op(SELLERS, on="change-request:draft", body=lambda ids, role: {}),
    ("change-request-cancel", "post"): Op(SELLERS, on="change-request:draft", body=lambda ids, role: {}),
    ("change-request-rebase", "post"): Op(SELLERS, on="change-request:stale", body=lambda ids, role: {}),
    ("change-request-approve", "post"): Op(
        APPROVERS, on="change-request:pending", body=lambda ids, role: {"comment": "同意"}
    ),
    ("change-request-reject", "post"): Op(
        APPROVERS, on="change-request:pending", body=lambda ids, role: {"comment": "折扣过高"}
    ),
    # approval rules (administrators) and approval requests (whoever submitted, decides or may decide them)
    ("approval-rule-list", "get"): Op(ADMINS),
    ("approval-rule-list", "post"): Op(
        ADMINS,
        201,
        body=lambda ids, role: {
            "name": "新客户大单",
            "conditions": [{"type": "total_above", "amount": "100000"}],
            "levels": [{"approvers": ["leader"], "mode": "any"}],
        },
    ),
    ("approval-rule-detail", "get"): Op(ADMINS, on="approval-rule"),
    ("approval-rule-detail", "put"): Op(
        ADMINS,
        on="approval-rule",
        body=lambda ids, role: {
            "name": "底价与折扣",
            "conditions": [{"type": "below_floor_price"}],
            "levels": [{"approvers": ["approvers"], "mode": "any"}],
        },
    ),
    ("approval-rule-detail", "patch"): Op(ADMINS, on="approval-rule", body=lambda ids, role: {"position": 3}),
    ("approval-rule-detail", "delete"): Op(ADMINS, 204, on="approval-rule", body=lambda ids, role: {}),
    ("approval-list", "get"): Op(EVERYONE),
    ("approval-detail", "get"): Op(EVERYONE, on="approval"),
    ("approval-approve", "post"): Op(APPROVERS, on="approval", body=lambda ids, role: {"comment": "同意"}),
    ("approval-reject", "post"): Op(APPROVERS, on="approval", body=lambda ids, role: {"comment": "折扣过高"}),
    ("order-hold", "post"): Op(HOLDERS, on="order:confirmed", body=lambda ids, role: {"reason": "待客户确认"}),
    ("order-resume", "post"): Op(HOLDERS, on="order:on-hold", body=lambda ids, role: {}),
    ("order-cancel", "post"): Op(SELLERS, on="order:confirmed", body=lambda ids, role: {"reason": "客户取消"}),
    # quotations
    ("quotation-list", "get"): Op(EVERYONE),
    ("quotation-list", "post"): Op(
        QUOTERS, 201, body=lambda ids, role: {"customer": _customer(ids, role), "lines": _line(ids)}
    ),
    ("quotation-detail", "get"): Op(EVERYONE, on="quotation:draft"),
    ("quotation-detail", "put"): Op(
        QUOTERS, on="quotation:draft", body=lambda ids, role: {"customer": ids["customer"], "lines": _line(ids)}
    ),
    ("quotation-detail", "patch"): Op(QUOTERS, on="quotation:draft", body=lambda ids, role: {"notes": "x"}),
    ("quotation-events", "get"): Op(EVERYONE, on="quotation:draft"),
    ("quotation-pdf", "get"): Op(EVERYONE, on="quotation:draft"),
    ("quotation-send", "post"): Op(QUOTERS, on="quotation:draft", body=lambda ids, role: {}),
    ("quotation-revise", "post"): Op(QUOTERS, 201, on="quotation:sent", body=lambda ids, role: {}),
    ("quotation-accept", "post"): Op(QUOTERS, 201, on="quotation:sent", body=lambda ids, role: {}),
    ("quotation-reject", "post"): Op(QUOTERS, on="quotation:sent", body=lambda ids, role: {"reason": "价格偏高"}),
    # shipments
    ("shipment-list", "get"): Op(EVERYONE),
    ("shipment-list", "post"): Op(SHIPMENT_MAKERS, 201, body=lambda ids, role: {"order": ids["order:confirmed"]}),
    ("shipment-detail", "get"): Op(EVERYONE, on="shipment:draft"),
    ("shipment-events", "get"): Op(EVERYONE, on="shipment:draft"),
    ("shipment-ship", "post"): Op(
        CARRIERS, on="shipment:draft", body=lambda ids, role: {"carrier": "顺丰", "tracking_number": "SF1"}
    ),
    ("shipment-deliver", "post"): Op(CARRIERS, on="shipment:shipped", body=lambda ids, role: {"signed_by": "王经理"}),
    ("shipment-cancel", "post"): Op(
        SHIPMENT_MAKERS, on="shipment:draft", body=lambda ids, role: {"reason": "客户改为自提"}
    ),
    # invoices and payments
    ("invoice-list", "get"): Op(EVERYONE),
    ("invoice-list", "post"): Op(BILLERS, 201, body=lambda ids, role: {"order": ids["order:to-invoice"]}),
    ("invoice-detail", "get"): Op(EVERYONE, on="invoice:draft"),
    ("invoice-events", "get"): Op(EVERYONE, on="invoice:draft"),
    ("invoice-pdf", "get"): Op(EVERYONE, on="invoice:draft"),
    ("invoice-issue", "post"): Op(BILLERS, on="invoice:draft", body=lambda ids, role: {}),
    ("invoice-fapiao-number", "post"): Op(
        BILLERS, on="invoice:open", body=lambda ids, role: {"fapiao_number": "12345678"}
    ),
    ("statement-list", "get"): Op(EVERYONE),
    ("statement-list", "post"): Op(
        BILLERS,
        201,
        body=lambda ids, role: {
            "customer": ids["customer:invoice-open"],
            "period_start": str(timezone.localdate() - datetime.timedelta(days=30)),
            "period_end": str(timezone.localdate()),
        },
    ),
    ("statement-detail", "get"): Op(EVERYONE, on="statement:draft"),
    ("statement-events", "get"): Op(EVERYONE, on="statement:draft"),
    ("statement-pdf", "get"): Op(EVERYONE, on="statement:draft"),
    ("statement-xlsx", "get"): Op(EVERYONE, on="statement:draft"),
    ("statement-send", "post"): Op(BILLERS, on="statement:draft", body=lambda ids, role: {"by_email": False}),
    ("statement-resolve", "post"): Op(
        BILLERS, 201, on="statement:disputed", body=lambda ids, role: {"resolution": "已核对"}
    ),
    ("credit-note-list", "get"): Op(EVERYONE),
    ("credit-note-list", "post"): Op(
        BILLERS,
        201,
        body=lambda ids, role: {
            "customer": ids["customer:invoice-open"],
            "invoice": ids["invoice:open"],
            "amount": "10.00",
            "reason": "价格折让",
        },
    ),
    ("credit-note-detail", "get"): Op(EVERYONE, on="credit-note:draft"),
    ("credit-note-events", "get"): Op(EVERYONE, on="credit-note:draft"),
    ("credit-note-issue", "post"): Op(BILLERS, on="credit-note:draft", body=lambda ids, role: {}),
    ("payment-list", "get"): Op(EVERYONE),
    ("payment-list", "post"): Op(
        BILLERS,
        201,
        body=lambda ids, role: {
            "customer": ids["customer"],
            "amount": "10.00",
            "received_on": timezone.localdate().isoformat(),
        },
    ),
    ("payment-detail", "get"): Op(EVERYONE, on="payment"),
    ("payment-events", "get"): Op(EVERYONE, on="payment"),
    ("payment-refund", "post"): Op(
        BILLERS,
        201,
        on="payment",
        body=lambda ids, role: {"amount": "1.00", "refunded_on": str(timezone.localdate()), "reason": "多付退回"},
    ),
    ("payment-allocate", "post"): Op(
        BILLERS,
        on="payment",
        body=lambda ids, role: {"allocations": [{"invoice": ids["invoice:open"], "amount": "10.00"}]},
    ),
    # tasks and notifications: everyone has them; the scope decides whose
    ("task-list", "get"): Op(EVERYONE),
    ("task-list", "post"): Op(EVERYONE, 201, body=lambda ids, role: {"title": "回访"}),
    ("task-detail", "get"): Op(EVERYONE, on="task"),
    ("task-events", "get"): Op(EVERYONE, on="task"),
    ("task-complete", "post"): Op(EVERYONE, on="task", body=lambda ids, role: {}),
    ("task-snooze", "post"): Op(EVERYONE, on="task", body=lambda ids, role: {"until": f"{LATER}T10:00"}),
    ("task-reassign", "post"): Op(
        EVERYONE, on="task", body=lambda ids, role: {"assignee": ids["user:rep2"], "reason": "休假"}
    ),
    ("notification-list", "get"): Op(EVERYONE),
    ("notification-detail", "get"): Op(EVERYONE, on="notification"),
    ("notification-mark-read", "post"): Op(EVERYONE, on="notification", body=lambda ids, role: {}),
    ("notification-mark-all-read", "post"): Op(EVERYONE, body=lambda ids, role: {}),
    # alert rules: set by executives and administrators; alerts: everyone reads their own
    ("alert-rule-list", "get"): Op(ALERT_SETTERS),
    ("alert-rule-list", "post"): Op(
        ALERT_SETTERS, 201, body=lambda ids, role: {**_ALERT_RULE, "name": f"{role}的预警"}
    ),
    ("alert-rule-detail", "get"): Op(ALERT_SETTERS, on="alert-rule"),
    ("alert-rule-detail", "put"): Op(
        ALERT_SETTERS, on="alert-rule", body=lambda ids, role: {**_ALERT_RULE, "threshold_percent": "25"}
    ),
    ("alert-rule-detail", "patch"): Op(ALERT_SETTERS, on="alert-rule", body=lambda ids, role: {"active": False}),
    ("alert-rule-detail", "delete"): Op(ALERT_SETTERS, 204, on="alert-rule", body=lambda ids, role: {}),
    ("alert-list", "get"): Op(EVERYONE),
    # event webhooks: administrators only
    ("webhook-list", "get"): Op(ADMINS),
    ("webhook-list", "post"): Op(ADMINS, 201, body=lambda ids, role: _WEBHOOK),
    ("webhook-detail", "get"): Op(ADMINS, on="webhook"),
    ("webhook-detail", "put"): Op(ADMINS, on="webhook", body=lambda ids, role: {**_WEBHOOK, "active": False}),
    ("webhook-detail", "patch"): Op(ADMINS, on="webhook", body=lambda ids, role: {"events": ["order.shipped"]}),
    ("webhook-detail", "delete"): Op(ADMINS, 204, on="webhook", body=lambda ids, role: {}),
    ("webhook-deliveries", "get"): Op(ADMINS, on="webhook"),
    ("webhook-replay", "post"): Op(
        ADMINS,
        on="webhook",
        body=lambda ids, role: {},
        parts=lambda ids: {"delivery_id": ids["webhook-delivery"]},
    ),
    # Posted to a closed port: answered with what the receiver (nobody) said.
    ("webhook-send-test", "post"): Op(ADMINS, on="webhook", body=lambda ids, role: {}),
    # custom fields: everyone reads those of the record types they see (every role sees customers)
    ("custom-field-list", "get"): Op(EVERYONE),
    ("custom-field-detail", "get"): Op(EVERYONE, on="custom-field"),
    ("alert-detail", "get"): Op(EVERYONE, on="alert"),
    # imports: a user's own (administrators see all); a kind needs the right to enter such records
    ("import-list", "get"): Op(IMPORTERS),
    ("import-list", "post"): Op(SELLERS, 201, body=_import_upload, format="multipart"),
    ("import-detail", "get"): Op(IMPORTERS, on="import"),
    ("import-commit", "post"): Op(IMPORTERS, on="import", body=lambda ids, role: {}),
    ("import-templates", "get"): Op(IMPORTERS, parts=lambda ids: {"kind": "customers"}),
    # the global search: everyone, each finding what their scope and permissions show
    ("search-list", "get"): Op(EVERYONE, query=lambda ids: {"q": "SO"}),
    # worklists: read-only lists; the inbox is the approvers', the rest are scoped lists anyone may read
    ("worklist-approvals-list", "get"): Op(APPROVERS),
    ("worklist-orders-attention-list", "get"): Op(EVERYONE),
    # comments and attached files: whoever sees the record; its author (or an administrator) changes them
    ("comment-list", "get"): Op(EVERYONE, about="order:draft", query=_on_draft),
    ("comment-list", "post"): Op(
        EVERYONE, 201, about="order:draft", body=lambda ids, role: {**_on_draft(ids), "body": "请跟进"}
    ),
    ("comment-detail", "get"): Op(EVERYONE, on="comment"),
    ("comment-detail", "patch"): Op(
        frozenset({"rep1"}), on="comment", scope_first=True, body=lambda ids, role: {"body": "改一下"}
    ),
    ("comment-detail", "delete"): Op(
        frozenset({"rep1", "admin"}), 204, on="comment", scope_first=True, body=lambda ids, role: {}
    ),
    ("attachment-list", "get"): Op(EVERYONE, about="order:draft", query=_on_draft),
    ("attachment-list", "post"): Op(
        EVERYONE,
        201,
        about="order:draft",
        format="multipart",
        body=lambda ids, role: {**_on_draft(ids), "file": walk_pdf("发票.pdf")},
    ),
    ("attachment-detail", "get"): Op(EVERYONE, on="attachment"),
    ("attachment-detail", "delete"): Op(
        frozenset({"rep1", "admin"}), 204, on="attachment", scope_first=True, body=lambda ids, role: {}
    ),
    ("attachment-download", "get"): Op(EVERYONE, on="attachment"),
    ("worklist-quotations-awaiting-list", "get"): Op(EVERYONE),
    ("worklist-follow-ups-list", "get"): Op(EVERYONE),
    ("worklist-team-overdue-list", "get"): Op(EVERYONE),
    # the warehouse's and finance's worklists: read by the roles that work them
    ("worklist-to-ship-list", "get"): Op(SHIPPERS),
    ("worklist-pending-shipments-list", "get"): Op(SHIPPERS),
    ("worklist-in-transit-list", "get"): Op(SHIPPERS),
    ("worklist-to-invoice-list", "get"): Op(FINANCE_DESK),
    ("worklist-unpaid-invoices-list", "get"): Op(FINANCE_DESK),
    ("worklist-unallocated-payments-list", "get"): Op(FINANCE_DESK),
}

# Whose records each role sees among those the walk acts on (the rest are rep1's).
SEEN_BY = {
    **dict.fromkeys(["product", "warehouse", "stock-move"], EVERYONE),
    # Handed to rep1 by her manager: the two of them, and executives who see every team's tasks.
    "task": frozenset({"rep1", "manager1", "boss1"}),
    "notification": frozenset({"rep1"}),
    "api-token": frozenset({"rep1"}),
    "saved-view": frozenset({"rep1"}),
    "report": frozenset({"rep1"}),
    # Shared with the East team.
    "report:shared": frozenset({"rep1", "rep2", "follower1"}),
    "alert-rule": EVERYONE,
    "alert": frozenset({"rep1"}),
    "webhook": EVERYONE,
    "import": frozenset({"rep1", "admin"}),
    "custom-field": EVERYONE,
    "approval-rule": EVERYONE,
    # rep1 submitted it; the shipped rule's level names whoever may approve and sees it.
    "approval": frozenset({"rep1", "manager1", "boss1", "admin"}),
}


def router_operations() -> set[tuple[str, str]]:
    """(url name, method) of every operation the router serves, extra actions included."""
    operations = set()
    for pattern in router.urls:
        if "format" in pattern.pattern.regex.groupindex:
            continue  # the same operation with a .json suffix
        actions = getattr(pattern.callback, "actions", {"get": "root"})
        # DRF adds HEAD beside GET once a view has served a request: the same operation.
        operations |= {(pattern.name, method) for method in actions if method != "head"}
    return operations


def test_the_walk_names_every_operation_of_the_router_and_no_other():
    walked = set(WALK)
    served = router_operations()

    assert sorted(served - walked) == [], "a route without an expectation: add it to WALK"
    assert sorted(walked - served) == [], "an expectation for a route the router no longer has"


def test_the_schema_documents_exactly_the_operations_of_the_router():
    # given
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    # when
    documented = {
        (
            resolve(path.replace("{id}", "1").replace("{delivery_id}", "1").replace("{kind}", "customers")).url_name,
            method,
        )
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }

    # then: the token endpoint, the worklists' summary, the ageing, an order's instalment plan, the metrics, the
    # forecast and the leaderboard sit
    # beside the router; the router's root is an index, not an operation
    beside = {
        ("api-token", "post"),
        ("api-worklists", "get"),
        ("api-receivables-ageing", "get"),
        ("api-order-instalments", "get"),
        ("api-order-instalments", "put"),
        ("api-metrics", "get"),
        ("api-metric", "get"),
        ("api-forecast", "get"),
        ("api-leaderboard", "get"),
    }
    assert documented == router_operations() - {("api-root", "get")} | beside


def answer(client, role: str, operation: tuple[str, str], ids: dict) -> tuple[int, bool]:
    """The status of one request and whether it recorded an event, undone afterwards.

    Rolled back so every role acts on the record in the same state: what one role's
    success changed does not decide the next role's answer.
    """
    (name, method), op = operation, WALK[operation]
    kwargs = {**({"pk": ids[op.on]} if op.on else {}), **(op.parts(ids) if op.parts else {})}
    url = reverse(name, kwargs=kwargs)
    with transaction.atomic():
        events_before = Event.objects.count()
        if method == "get":
            response = client.get(url, op.query(ids) if op.query else None)
        else:
            response = getattr(client, method)(url, op.body(ids, role), format=op.format)
        recorded = Event.objects.count() != events_before
        transaction.set_rollback(True)
    return response.status_code, recorded


def expected(operation: tuple[str, str], role: str) -> int:
    op = WALK[operation]
    if role == ANONYMOUS:
        return 401
    record = op.on or op.about
    hidden = record is not None and role not in SEEN_BY.get(record, SEES_ALICES)
    if hidden and op.scope_first:
        return 404
    if role not in op.may:
        return 403
    if hidden:
        return 404
    return op.ok


@pytest.fixture
def people(personas, settings, tmp_path):
    """The personas and a production planner, who sits in Operations like the warehouse clerk."""
    settings.MEDIA_ROOT = tmp_path  # the files the walk attaches
    production = User.objects.create_user(
        username="production1", role=Role.PRODUCTION, department=personas["warehouse1"].department
    )
    return {**personas, "production1": production}


def test_the_walk_meets_every_role(people):
    assert {people[name].role for name in WALK_ROLES} == set(Role.values)


def test_every_operation_lets_someone_through():
    # An operation nobody may call, or only on a record nobody sees, would prove refusals only.
    assert [op for op in WALK if all(expected(op, role) >= 400 for role in WALK_ROLES)] == []


@pytest.mark.parametrize("role", [ANONYMOUS, *WALK_ROLES])
def test_every_operation_answers_each_role_as_the_walk_says(people, role):
    # given: a record in the state each action needs
    ids = walk_world(people)
    client = APIClient() if role == ANONYMOUS else api_as(people[role])

    # when
    answers, recorded = {}, {}
    for operation in sorted(WALK):
        answers[operation], recorded[operation] = answer(client, role, operation, ids)

    # then: refused without a trace, or done
    assert answers == {operation: expected(operation, role) for operation in sorted(WALK)}
    assert [op for op, wrote in recorded.items() if wrote and answers[op] >= 400] == []
