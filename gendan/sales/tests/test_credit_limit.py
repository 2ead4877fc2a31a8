"""The credit limit that holds (FIN-3): checked when an order is confirmed, when it ships and when it is invoiced;
past it the action is refused (409 credit_limit_exceeded, with the figures) unless an override, decided through the
approval rules, is in force for that order."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gendan.automation.models import Notification
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import Customer
from gendan.finance.models import Invoice
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.models import Shipment
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.inventory.models import StockLevel
from gendan.sales.models import (
    ApprovalRequest,
    ApprovalRule,
    CreditOverride,
    CreditOverrideStatus,
    OrderLine,
    OrderStatus,
)
from gendan.sales.selectors_worklists import approval_inbox
from gendan.sales.services import order_approve, order_cancel, order_submit
from gendan.sales.services_approvals import approval_rule_create, approval_rule_update
from gendan.sales.services_changes import change_request_create, change_request_submit
from gendan.sales.services_credit import (
    credit_override_approve,
    credit_override_reject,
    credit_override_request,
    credit_override_withdraw,
)
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# One unit at 100 with 13% tax.
ONE = Decimal("113.00")


@pytest.fixture
def products():
    return stocked_products(1)[1]


@pytest.fixture
def customer(personas):
    # Room for one order of one unit, not two.
    return customer_ready_to_order(personas["rep1"], credit_limit=Decimal("200.00"))


def confirmed(rep, products, customer):
    return order_submit(order=draft_order(rep, products, customer=customer), actor=rep)


def refusal(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert caught.value.code == ErrorCode.CREDIT_LIMIT_EXCEEDED
    return caught.value


def granted(order, rep, manager, days=None):
    override = credit_override_request(order=order, actor=rep, reason="pays every month, a big season", days=days)
    return credit_override_approve(override=override, actor=manager, comment="ok this once")


# --- confirmation -----------------------------------------------------------------------------


def test_an_order_past_the_limit_is_refused_at_submission_with_the_figures_and_nothing_changes(
    personas, products, customer
):
    rep = personas["rep1"]
    confirmed(rep, products, customer)
    second = draft_order(rep, products, customer=customer)

    refused = refusal(lambda: order_submit(order=second, actor=rep))

    assert refused.extra == {
        "stage": "confirmation",
        "credit_limit": "200.00",
        "exposure": "226.00",
        "order_amount": "113.00",
        "credit_available": "87.00",
        "over_by": "26.00",
        "credit_override": None,
    }
    assert str(second.number) in refused.message and "26.00" in refused.message
    second.refresh_from_db()
    assert second.status == OrderStatus.DRAFT and second.submitted_at is None
    assert not Event.objects.filter(verb="order.submitted", object_id=second.pk).exists()
    assert StockLevel.objects.get(product=products[0]).reserved == Decimal("1")


def test_a_customer_without_a_limit_is_never_refused(personas, products):
    rep = personas["rep1"]
    unlimited = customer_ready_to_order(rep)
    orders = [confirmed(rep, products, unlimited) for _ in range(3)]
    assert {order.status for order in orders} == {OrderStatus.CONFIRMED}


def test_the_last_approval_checks_the_limit_again(personas, products, customer):
    """Within the limit when submitted; another order confirmed while it waited takes the room."""
    admin, rep, manager = personas["admin"], personas["rep1"], personas["manager1"]
    approval_rule_create(
        actor=admin,
        name="Everything",
        conditions=[{"type": "total_above", "amount": "0"}],
        levels=[{"approvers": ["approvers"], "mode": "any"}],
    )
    waiting = order_submit(order=draft_order(rep, products, customer=customer), actor=rep)
    assert waiting.status == OrderStatus.PENDING_APPROVAL
    ApprovalRule.objects.filter(name="Everything").update(active=False)
    confirmed(rep, products, customer)

    refusal(lambda: order_approve(order=waiting, actor=manager))

    waiting.refresh_from_db()
    assert waiting.status == OrderStatus.PENDING_APPROVAL
    request = ApprovalRequest.objects.get(order=waiting, credit_override=None)
    assert request.status == "pending" and not request.steps.exclude(decision="").exists()

    granted(waiting, rep, manager)
    assert order_approve(order=waiting, actor=manager).status == OrderStatus.CONFIRMED


def test_a_change_that_raises_the_total_past_the_limit_is_refused_and_one_that_lowers_it_is_not(
    personas, products, customer
):
    rep = personas["rep1"]
    order = confirmed(rep, products, customer)
    line = OrderLine.objects.get(order=order)

    def change(quantity):
        row = {"line": line.pk, "product": products[0], "quantity": Decimal(quantity), "unit_price": Decimal("100")}
        return change_request_create(order=order, actor=rep, reason="the customer asks", lines=[row])

    refused = refusal(lambda: change_request_submit(change=change("2"), actor=rep))
    assert refused.extra["exposure"] == "226.00"
    order.refresh_from_db()
    assert order.total == ONE and order.revision == 1

    # Lowering what is owed never meets the limit, even for a customer already past it.
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("50.00"))
    lowered = change_request_submit(change=change("0.5"), actor=rep)
    assert lowered.status == "applied"


# --- shipping and invoicing -------------------------------------------------------------------


def test_a_customer_past_the_limit_gets_no_shipment_and_no_invoice_until_an_override(personas, products, customer):
    rep, manager, clerk, finance = personas["rep1"], personas["manager1"], personas["warehouse1"], personas["finance1"]
    order = confirmed(rep, products, customer)
    shipment = shipment_create(order=order, actor=clerk)
    # The company lowers the limit after the order was confirmed.
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("100.00"))

    refused = refusal(lambda: shipment_ship(shipment=shipment, actor=clerk, **COURIER))
    assert refused.extra["stage"] == "shipping" and refused.extra["over_by"] == "13.00"
    shipment.refresh_from_db()
    assert shipment.status == "pending"
    assert OrderLine.objects.get(order=order).shipped_quantity == 0
    assert StockLevel.objects.get(product=products[0]).on_hand == Decimal("100")

    override = granted(order, rep, manager)
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    assert Shipment.objects.get(pk=shipment.pk).status == "shipped"
    used = Event.objects.get(verb="order.credit_override_used", object_id=order.pk)
    assert used.data["stage"] == "shipping" and used.data["credit_override"] == override.pk

    invoice = invoice_create(order=order, actor=finance)
    CreditOverride.objects.filter(pk=override.pk).update(valid_until=timezone.now() - datetime.timedelta(seconds=1))
    refused = refusal(lambda: invoice_issue(invoice=invoice, actor=finance))
    assert refused.extra["stage"] == "invoicing"
    assert Invoice.objects.get(pk=invoice.pk).status == "draft"

    granted(order, rep, manager)
    assert invoice_issue(invoice=invoice, actor=finance).status == "issued"


# --- the override -----------------------------------------------------------------------------


def test_an_override_is_asked_for_with_a_reason_decided_by_the_approvers_and_holds_for_its_days(
    personas, products, customer, django_capture_on_commit_callbacks
):
    rep, manager = personas["rep1"], personas["manager1"]
    confirmed(rep, products, customer)
    order = draft_order(rep, products, customer=customer)

    with pytest.raises(ValidationError) as invalid:
        credit_override_request(order=order, actor=rep, reason="  ", days=0)
    assert set(invalid.value.message_dict) == {"reason", "days"}
    with pytest.raises(ValidationError):
        credit_override_request(order=order, actor=rep, reason="ok", days=31)

    with django_capture_on_commit_callbacks(execute=True):
        override = credit_override_request(order=order, actor=rep, reason="year-end order", days=3)
    assert (override.status, override.credit_limit, override.exposure, override.order_amount) == (
        "pending",
        Decimal("200.00"),
        Decimal("226.00"),
        ONE,
    )
    request = ApprovalRequest.objects.get(credit_override=override)
    assert request.order_id == order.pk and request.subject == "credit_override"
    assert request.reasons[0] == {"code": "credit_exceeded", "exposure": "226.00", "credit_limit": "200.00"}
    assert [a.pk for a in approval_inbox(user=manager)] == [request.pk]
    (told,) = Notification.objects.filter(recipient=manager, kind="order.approval_needed")
    assert order.number in told.title
    assert "226.00" in told.body and "200.00" in told.body and "26.00" in told.body and "year-end order" in told.body
    # One at a time; its requester does not decide it; a submission still waits for it.
    with pytest.raises(ApplicationError) as twice:
        credit_override_request(order=order, actor=rep, reason="again")
    assert twice.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    with pytest.raises(ApplicationError) as own:
        credit_override_approve(override=override, actor=rep)
    assert own.value.code == ErrorCode.OWN_SUBMISSION
    assert refusal(lambda: order_submit(order=order, actor=rep)).extra["credit_override"] == override.pk

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        override = credit_override_approve(override=override, actor=manager, comment="one season")
    assert override.status == CreditOverrideStatus.APPROVED and override.decided_by == manager
    assert before + datetime.timedelta(days=3) <= override.valid_until <= timezone.now() + datetime.timedelta(days=3)
    assert order_submit(order=order, actor=rep).status == OrderStatus.CONFIRMED
    verbs = list(Event.objects.filter(object_id=order.pk, verb__startswith="order.").values_list("verb", flat=True))
    assert {"order.credit_override_requested", "order.credit_override_approved", "order.credit_override_used"} <= set(
        verbs
    )
    (told,) = Notification.objects.filter(recipient=rep, kind="order.approved")
    assert order.number in told.title and told.body == "one season"


def test_an_override_is_refused_within_the_limit_rejected_with_a_reason_and_withdrawn_at_will(
    personas, products, customer, django_capture_on_commit_callbacks
):
    rep, manager = personas["rep1"], personas["manager1"]
    within = draft_order(rep, products, customer=customer)
    with pytest.raises(ApplicationError) as nothing:
        credit_override_request(order=within, actor=rep, reason="just in case")
    assert nothing.value.code == ErrorCode.NO_CHANGE

    confirmed(rep, products, customer)
    order = draft_order(rep, products, customer=customer)
    override = credit_override_request(order=order, actor=rep, reason="first")
    with pytest.raises(ValidationError):
        credit_override_reject(override=override, actor=manager, comment="")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = credit_override_reject(override=override, actor=manager, comment="they owe too much already")
    assert rejected.status == "rejected"
    assert ApprovalRequest.objects.get(credit_override=override).status == "rejected"
    (told,) = Notification.objects.filter(recipient=rep, kind="order.rejected")
    assert order.number in told.title and "they owe too much already" in told.body
    refusal(lambda: order_submit(order=order, actor=rep))

    again = credit_override_request(order=order, actor=rep, reason="second try")
    withdrawn = credit_override_withdraw(override=again, actor=rep)
    assert withdrawn.status == "cancelled"
    assert ApprovalRequest.objects.get(credit_override=again).status == "rejected"

    in_force = granted(order, rep, manager)
    credit_override_withdraw(override=in_force, actor=rep)
    refusal(lambda: order_submit(order=order, actor=rep))


def test_the_override_rule_is_the_companys_to_edit_and_never_grants_without_a_decision(personas, products, customer):
    admin, rep, manager, boss = personas["admin"], personas["rep1"], personas["manager1"], personas["boss1"]
    shipped = ApprovalRule.objects.get(system_key="credit_override")
    approval_rule_update(
        rule=shipped,
        actor=admin,
        levels=[{"approvers": ["approvers"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}],
    )
    confirmed(rep, products, customer)
    order = draft_order(rep, products, customer=customer)
    override = credit_override_request(order=order, actor=rep, reason="two levels")
    assert credit_override_approve(override=override, actor=manager).status == "pending"
    assert credit_override_approve(override=override, actor=boss).status == "approved"

    # Switched off, an override is still decided: by whoever may approve.
    approval_rule_update(rule=shipped, actor=admin, active=False)
    other = draft_order(rep, products, customer=customer)
    override = credit_override_request(order=other, actor=rep, reason="no rule")
    assert ApprovalRequest.objects.get(credit_override=override).levels[0]["approvers"] == ["approvers"]


def test_cancelling_the_order_withdraws_its_waiting_override(personas, products, customer):
    rep = personas["rep1"]
    confirmed(rep, products, customer)
    order = draft_order(rep, products, customer=customer)
    override = credit_override_request(order=order, actor=rep, reason="hm")
    order_cancel(order=order, actor=rep, reason="customer went elsewhere")
    override.refresh_from_db()
    assert override.status == "cancelled"
    assert ApprovalRequest.objects.get(credit_override=override).status == "rejected"


# --- API ---------------------------------------------------------------------------------------


def test_the_api_refuses_with_409_and_the_figures_and_takes_an_override_through_the_approvals(
    personas, products, customer
):
    rep, manager = personas["rep1"], personas["manager1"]
    confirmed(rep, products, customer)
    order = draft_order(rep, products, customer=customer)
    api = api_as(rep)

    response = api.post(f"/api/v1/orders/{order.pk}/submit/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "credit_limit_exceeded"
    assert {key: body[key] for key in ("stage", "credit_limit", "exposure", "over_by")} == {
        "stage": "confirmation",
        "credit_limit": "200.00",
        "exposure": "226.00",
        "over_by": "26.00",
    }

    assert api.post(f"/api/v1/orders/{order.pk}/credit-override/", {"reason": ""}, format="json").json() == {
        "reason": ["This field may not be blank."]
    }
    response = api.post(
        f"/api/v1/orders/{order.pk}/credit-override/", {"reason": "big season", "days": 5}, format="json"
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert {key: created[key] for key in ("order", "status", "days", "exposure", "over_by", "in_force")} == {
        "order": order.pk,
        "status": "pending",
        "days": 5,
        "exposure": "226.00",
        "over_by": "26.00",
        "in_force": False,
    }
    inbox = api_as(manager).get("/api/v1/approvals/").json()["results"]
    (row,) = [r for r in inbox if r["id"] == created["approval"]]
    assert (row["object_type"], row["object_id"], row["order"]) == ("credit_override", created["id"], order.pk)

    decided = api_as(manager).post(f"/api/v1/approvals/{created['approval']}/approve/", {"comment": "ok"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    listed = api.get(f"/api/v1/orders/{order.pk}/credit-override/").json()
    assert [(o["id"], o["status"], o["in_force"]) for o in listed] == [(created["id"], "approved", True)]
    assert api.post(f"/api/v1/orders/{order.pk}/submit/").json()["status"] == "confirmed"

    withdrawn = api.post(f"/api/v1/orders/{order.pk}/credit-override/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "cancelled"
    assert api.post(f"/api/v1/orders/{order.pk}/credit-override/withdraw/").status_code == 409


def test_the_api_keeps_an_override_to_those_who_may_take_orders_and_see_the_order(personas, products, customer):
    rep = personas["rep1"]
    confirmed(rep, products, customer)
    order = draft_order(rep, products, customer=customer)
    assert api_as(personas["warehouse1"]).post(
        f"/api/v1/orders/{order.pk}/credit-override/", {"reason": "x"}, format="json"
    ).status_code in (403, 404)
    assert (
        api_as(personas["rep3"])
        .post(f"/api/v1/orders/{order.pk}/credit-override/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )
    assert not CreditOverride.objects.exists()


# --- the order page ----------------------------------------------------------------------------


def test_the_order_page_shows_the_credit_asks_for_an_override_and_lets_the_approver_decide(
    client, personas, products, customer
):
    rep, manager = personas["rep1"], personas["manager1"]
    confirmed(rep, products, customer)
    order = draft_order(rep, products, customer=customer)
    page_url = reverse("sales:order_detail", args=[order.pk])
    client.force_login(rep)

    response = client.post(reverse("sales:order_action", args=[order.pk, "submit"]), follow=True)
    page = response.content.decode()
    assert "cannot be confirmed" in page and 'data-testid="credit-alert"' in page
    assert 'data-testid="credit-override-form"' in page

    response = client.post(reverse("sales:credit_override_request", args=[order.pk]), {"credit-reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not CreditOverride.objects.exists()

    response = client.post(
        reverse("sales:credit_override_request", args=[order.pk]), {"credit-reason": "年底大单", "credit-days": "7"}
    )
    assert response.status_code == 302 and response["Location"] == page_url + "#credit"
    override = CreditOverride.objects.get()
    page = client.get(page_url).content.decode()
    assert 'data-state="pending"' in page and "年底大单" in page and 'data-testid="approve-credit"' not in page

    client.force_login(manager)
    page = client.get(page_url).content.decode()
    assert 'data-testid="approve-credit"' in page
    inbox = client.get(reverse("sales_work:approvals")).content.decode()
    assert "Credit override" in inbox and page_url + "#credit" in inbox
    response = client.post(
        reverse("sales:credit_override_decide", args=[order.pk, override.pk, "approve"]), {"comment": ""}, follow=True
    )
    assert "may pass the credit limit until" in response.content.decode()
    assert 'data-state="approved"' in response.content.decode()
    override.refresh_from_db()
    assert override.status == "approved"


def test_the_credit_card_costs_one_query_without_a_limit_and_four_more_with_an_override_waiting(
    client, personas, products, customer
):
    rep = personas["rep1"]
    plain = draft_order(rep, products)
    confirmed(rep, products, customer)
    limited = draft_order(rep, products, customer=customer)
    credit_override_request(order=limited, actor=rep, reason="big season")
    client.force_login(rep)

    def queries(order):
        client.get(reverse("sales:order_detail", args=[order.pk]))
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
        return len(captured), page

    without, page = queries(plain)
    assert 'data-testid="credit-card"' not in page
    # Both: whether an invoice of the customer is long overdue. With a limit: the exposure, the overrides, the
    # waiting approval and its steps.
    with_card, page = queries(limited)
    assert 'data-testid="credit-card"' in page
    assert with_card - without == 4


# --- the overdue hold (the dunning ladder's last step) ------------------------------------------


def test_a_customer_with_an_invoice_long_overdue_gets_no_further_shipment_until_an_override(
    client, personas, products, settings
):
    settings.OVERDUE_HOLD_DAYS = 30
    rep, manager, clerk, finance = personas["rep1"], personas["manager1"], personas["warehouse1"], personas["finance1"]
    unlimited = customer_ready_to_order(rep)
    earlier = confirmed(rep, products, unlimited)
    shipment_ship(shipment=shipment_create(order=earlier, actor=clerk), actor=clerk, **COURIER)
    overdue = invoice_issue(
        invoice=invoice_create(order=earlier, actor=finance),
        actor=finance,
        due_date=timezone.localdate() - datetime.timedelta(days=31),
    )
    order = confirmed(rep, products, unlimited)
    shipment = shipment_create(order=order, actor=clerk)

    with pytest.raises(ApplicationError) as held:
        shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    assert held.value.code == ErrorCode.OVERDUE_HOLD
    assert (held.value.extra["invoice"], held.value.extra["days_overdue"], held.value.extra["open_amount"]) == (
        overdue.number,
        31,
        "113.00",
    )
    assert Shipment.objects.get(pk=shipment.pk).status == "pending"
    response = api_as(clerk).post(f"/api/v1/shipments/{shipment.pk}/ship/", COURIER, format="json")
    assert response.status_code == 409 and response.json()["code"] == "overdue_hold"
    client.force_login(rep)
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="overdue-alert"' in page and 'data-testid="credit-override-form"' in page

    override = credit_override_request(order=order, actor=rep, reason="they pay next week, a signed promise")
    request = ApprovalRequest.objects.get(credit_override=override)
    assert request.reasons[0]["code"] == "overdue_hold" and overdue.number in request.reasons[0]["invoice"]
    credit_override_approve(override=override, actor=manager)
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    used = Event.objects.get(verb="order.credit_override_used", object_id=order.pk)
    assert used.data["overdue_hold"]["invoice"] == overdue.number


def test_the_hold_lifts_when_the_invoice_is_paid_and_can_be_switched_off(personas, products, settings):
    settings.OVERDUE_HOLD_DAYS = 30
    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    unlimited = customer_ready_to_order(rep)
    earlier = confirmed(rep, products, unlimited)
    shipment_ship(shipment=shipment_create(order=earlier, actor=clerk), actor=clerk, **COURIER)
    overdue = invoice_issue(
        invoice=invoice_create(order=earlier, actor=finance),
        actor=finance,
        due_date=timezone.localdate() - datetime.timedelta(days=40),
    )
    first = shipment_create(order=confirmed(rep, products, unlimited), actor=clerk)
    second = shipment_create(order=confirmed(rep, products, unlimited), actor=clerk)

    settings.OVERDUE_HOLD_DAYS = 0
    shipment_ship(shipment=first, actor=clerk, **COURIER)
    settings.OVERDUE_HOLD_DAYS = 30
    with pytest.raises(ApplicationError):
        shipment_ship(shipment=second, actor=clerk, **COURIER)
    payment_record(
        actor=finance,
        customer=unlimited,
        amount=overdue.total,
        received_on=timezone.localdate(),
        allocations=[{"invoice": overdue, "amount": overdue.total}],
    )
    shipment_ship(shipment=second, actor=clerk, **COURIER)
    assert Shipment.objects.get(pk=second.pk).status == "shipped"
