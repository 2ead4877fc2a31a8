"""Statements (对账单, FIN-4): opening balance, the period's invoices, credit notes, payments and refunds, closing
balance; sent as a link the customer confirms or disputes line by line without an account; a dispute is a task for
finance, a resolved one a new version, a confirmed one final."""

import datetime
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from gendan.automation.models import Task
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event, PublicLink
from gendan.finance.models import Statement, StatementStatus
from gendan.finance.receivables import BUCKETS, ageing_totals
from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.finance.services_credit_notes import credit_note_create
from gendan.finance.services_refunds import payment_refund
from gendan.finance.services_statements import (
    statement_confirm,
    statement_create,
    statement_dispute,
    statement_link_open,
    statement_resolve,
    statement_send,
)
from gendan.finance.statements import statement_figures
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = datetime.date(2026, 12, 2)


def at(day: datetime.date):
    """Travel to noon of `day`, the company's clock."""
    return time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))), tick=False)


def invoice_on(personas, customer, products, day, units="1"):
    rep, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    with at(day):
        order = order_submit(order=draft_order(rep, products, [units], customer=customer), actor=rep)
        shipment_ship(shipment=shipment_create(order=order, actor=clerk), actor=clerk, **COURIER)
        return invoice_issue(invoice=invoice_create(order=order, actor=finance), actor=finance)


@pytest.fixture
def history(personas):
    """A customer's October and November: one invoice and a payment before November, then in November an invoice
    (2 units), a credit note, a payment and a refund of part of an overpayment."""
    finance = personas["finance1"]
    customer = customer_ready_to_order(personas["rep1"], name="苏州明达精密机械有限公司")
    _warehouse, products = stocked_products(1)
    october = invoice_on(personas, customer, products, datetime.date(2026, 10, 10))  # 113.00
    with at(datetime.date(2026, 10, 20)):
        payment_record(
            actor=finance, customer=customer, amount=Decimal("100.00"), received_on=datetime.date(2026, 10, 20)
        )
    november = invoice_on(personas, customer, products, datetime.date(2026, 11, 3), units="2")  # 226.00
    with at(datetime.date(2026, 11, 5)):
        credit_note_create(actor=finance, invoice=november, reason="破损一台折让", amount=Decimal("26.00"), issue=True)
    with at(datetime.date(2026, 11, 12)):
        overpaid = payment_record(
            actor=finance, customer=customer, amount=Decimal("300.00"), received_on=datetime.date(2026, 11, 12)
        )
    with at(datetime.date(2026, 11, 15)):
        payment_refund(
            payment=overpaid,
            actor=finance,
            amount=Decimal("50.00"),
            refunded_on=datetime.date(2026, 11, 15),
            reason="多付",
        )
    return customer, october, november


def test_a_statement_has_the_opening_balance_every_document_of_the_period_and_the_closing_balance(history):
    customer, _october, november = history

    figures = statement_figures(customer.pk, datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))

    assert figures.opening_balance == Decimal("13.00")  # 113.00 invoiced − 100.00 paid
    assert [(line["date"], line["kind"], line["debit"], line["credit"], line["balance"]) for line in figures.lines] == [
        ("2026-11-03", "invoice", "226.00", "0.00", "239.00"),
        ("2026-11-05", "credit_note", "0.00", "26.00", "213.00"),
        ("2026-11-12", "payment", "0.00", "300.00", "-87.00"),
        ("2026-11-15", "refund", "50.00", "0.00", "-37.00"),
    ]
    assert figures.lines[0]["document"] == november.number
    assert (figures.debit_total, figures.credit_total, figures.closing_balance) == (
        Decimal("276.00"),
        Decimal("326.00"),
        Decimal("-37.00"),
    )


def test_the_customer_disputes_a_line_finance_resolves_it_and_the_customer_confirms_the_next_version(
    personas, history, django_capture_on_commit_callbacks
):
    customer, _october, november = history
    finance = personas["finance1"]
    customer.contacts.update(email="caiwu@mingda.example")
    with at(TODAY):
        statement, _token = statement_create(
            actor=finance,
            customer=customer,
            period_start=datetime.date(2026, 11, 1),
            period_end=datetime.date(2026, 11, 30),
        )
        with django_capture_on_commit_callbacks(execute=True):
            statement, token = statement_send(statement=statement, actor=finance, base_url="https://gendan.example")
    assert statement.status == StatementStatus.SENT
    (sent,) = mail.outbox
    assert sent.to == ["caiwu@mingda.example"] and f"https://gendan.example/s/statement/{token}/" in sent.body

    opened = statement_link_open(token=token)
    assert opened.pk == statement.pk
    statement_link_open(token=token)  # again within the hour: one opening on the timeline
    assert Event.objects.filter(verb="statement.opened", root_id=customer.pk).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        statement_dispute(statement=opened, lines=[{"index": 2, "comment": "折让应为 36 元"}], name="王会计")
    statement.refresh_from_db()
    assert (statement.status, statement.answered_by) == ("disputed", "王会计")
    (task,) = Task.objects.filter(assignee=finance)
    assert customer.name in task.title and task.due_at is not None
    with pytest.raises(ApplicationError) as locked:
        statement_confirm(statement=statement)
    assert locked.value.code == ErrorCode.TRANSITION_NOT_ALLOWED

    with at(TODAY):
        credit_note_create(actor=finance, invoice=november, reason="补差折让", amount=Decimal("10.00"), issue=True)
    following, new_token = statement_resolve(statement=statement, actor=finance, resolution="已补开 10 元红字发票")
    # Still November's statement: the credit note of December is outside it, so the figures are as before.
    assert (following.number, following.version, following.previous_id) == (statement.number, 2, statement.pk)
    assert following.label == f"{statement.number}-V2"
    assert statement_link_open(token=token).is_superseded
    statement_confirm(statement=statement_link_open(token=new_token), name="王会计")
    following.refresh_from_db()
    assert following.status == "confirmed"
    with pytest.raises(ApplicationError):
        statement_dispute(statement=following, lines=[{"index": 1, "comment": "again"}])
    verbs = list(
        Event.objects.filter(root_id=customer.pk, verb__startswith="statement.").values_list("verb", flat=True)
    )
    assert {
        "statement.created",
        "statement.sent",
        "statement.opened",
        "statement.disputed",
        "statement.resolved",
        "statement.confirmed",
    } <= set(verbs)


def test_a_dispute_names_lines_of_the_statement_each_with_a_comment(personas, history):
    customer, _october, _november = history
    statement, _token = statement_create(
        actor=personas["finance1"],
        customer=customer,
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 30),
    )
    for lines, key in [
        ([], "lines"),
        ([{"index": 9, "comment": "x"}], "lines.0.index"),
        ([{"index": 1, "comment": " "}], "lines.0.comment"),
        ([{"index": 1, "comment": "a"}, {"index": 1, "comment": "b"}], "lines.1.index"),
        ([{"index": True, "comment": "a"}], "lines.0.index"),
    ]:
        with pytest.raises(ValidationError) as refused:
            statement_dispute(statement=statement, lines=lines)
        assert key in refused.value.message_dict
    statement.refresh_from_db()
    assert statement.status == "draft" and not statement.disputes.exists()


def test_a_statement_is_for_a_past_period_of_a_customer_in_sight(personas, history):
    customer, _october, _november = history
    finance = personas["finance1"]
    with pytest.raises(ValidationError) as backwards:
        statement_create(
            actor=finance,
            customer=customer,
            period_start=datetime.date(2026, 11, 30),
            period_end=datetime.date(2026, 11, 1),
        )
    assert "period_end" in backwards.value.message_dict
    with pytest.raises(ValidationError) as future:
        statement_create(
            actor=finance,
            customer=customer,
            period_start=timezone.localdate(),
            period_end=timezone.localdate() + datetime.timedelta(days=3),
        )
    assert "period_end" in future.value.message_dict
    with pytest.raises(ApplicationError) as denied:
        statement_create(
            actor=personas["rep1"],
            customer=customer,
            period_start=datetime.date(2026, 11, 1),
            period_end=datetime.date(2026, 11, 30),
        )
    assert denied.value.code == ErrorCode.PERMISSION_DENIED


# --- the API and the public link ----------------------------------------------------------------


def test_the_api_makes_a_statement_whose_public_url_the_customer_answers_without_an_account(client, personas, history):
    customer, _october, _november = history
    api = api_as(personas["finance1"])

    response = api.post(
        "/api/v1/statements/",
        {"customer": customer.pk, "period_start": "2026-11-01", "period_end": "2026-11-30"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("opening_balance", "closing_balance", "status")} == {
        "opening_balance": "13.00",
        "closing_balance": "-37.00",
        "status": "draft",
    }
    assert [line["kind"] for line in body["lines"]] == ["invoice", "credit_note", "payment", "refund"]
    assert set(body["lines"][0]) >= {"date", "kind", "document", "debit", "credit", "balance", "index"}
    public = body["public_url"].removeprefix("http://testserver")
    assert api.get(f"/api/v1/statements/{body['id']}/").json()["public_url"] is None

    shown = client.get(public, HTTP_ACCEPT="application/json")
    assert shown.status_code == 200 and shown.json()["closing_balance"] == "-37.00"
    assert "csrftoken" not in shown.cookies and "sessionid" not in shown.cookies

    bad = client.post(
        public,
        json.dumps({"action": "dispute", "lines": [{"index": 7, "comment": "?"}]}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "lines" in bad.json()
    disputed = client.post(
        public,
        json.dumps({"action": "dispute", "lines": [{"index": 3, "comment": "这笔回款是 250 元"}]}),
        content_type="application/json",
    )
    assert disputed.status_code == 200 and disputed.json()["status"] == "disputed"
    again = client.post(public, json.dumps({"action": "confirm"}), content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"

    resolved = api.post(f"/api/v1/statements/{body['id']}/resolve/", {"resolution": "回款核对无误"}, format="json")
    assert resolved.status_code == 201 and resolved.json()["version"] == 2
    second = resolved.json()["public_url"].removeprefix("http://testserver")
    confirmed = client.post(
        second, json.dumps({"action": "confirm", "name": "王会计"}), content_type="application/json"
    )
    assert confirmed.json()["status"] == "confirmed"

    assert client.get(public[:-6] + "xxxxx/").status_code == 404
    PublicLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(second).status_code == 404
    assert client.post(second, json.dumps({"action": "confirm"}), content_type="application/json").status_code == 404


def test_the_api_sends_by_email_and_refuses_who_may_not(personas, history):
    customer, _october, _november = history
    finance = api_as(personas["finance1"])
    made = finance.post(
        "/api/v1/statements/",
        {"customer": customer.pk, "period_start": "2026-11-01", "period_end": "2026-11-30"},
        format="json",
    ).json()
    no_address = finance.post(f"/api/v1/statements/{made['id']}/send/", {}, format="json")
    assert no_address.status_code == 400 and "emails" in no_address.json()
    bad = finance.post(f"/api/v1/statements/{made['id']}/send/", {"emails": ["not-an-address"]}, format="json")
    assert bad.status_code == 400
    sent = finance.post(f"/api/v1/statements/{made['id']}/send/", {"emails": ["a@b.example"]}, format="json")
    assert sent.status_code == 200 and sent.json()["status"] == "sent" and sent.json()["public_url"]
    assert api_as(personas["rep1"]).post(f"/api/v1/statements/{made['id']}/send/", {}, format="json").status_code == 403
    assert [row["id"] for row in api_as(personas["rep1"]).get("/api/v1/statements/").json()["results"]] == [made["id"]]
    assert api_as(personas["rep3"]).get(f"/api/v1/statements/{made['id']}/").status_code == 404
    pdf = finance.get(f"/api/v1/statements/{made['id']}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = finance.get(f"/api/v1/statements/{made['id']}/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")


def test_finance_makes_sends_and_resolves_a_statement_on_its_pages(
    client, personas, history, django_capture_on_commit_callbacks
):
    customer, _october, _november = history
    client.force_login(personas["finance1"])
    new = reverse("finance:statement_create")
    assert client.get(f"{new}?customer={customer.pk}").status_code == 200
    refused = client.post(new, {"customer": customer.pk, "period_start": "2026-11-30", "period_end": "2026-11-01"})
    assert refused.status_code == 400 and not Statement.objects.exists()

    made = client.post(new, {"customer": customer.pk, "period_start": "2026-11-01", "period_end": "2026-11-30"})
    page = made.content.decode()
    assert made.status_code == 200 and 'data-testid="statement-link-url"' in page and "-37.00" in page
    statement = Statement.objects.get()
    detail = reverse("finance:statement_detail", args=[statement.pk])
    assert 'data-testid="statement-link-url"' not in client.get(detail).content.decode()  # shown once

    shared = client.post(reverse("finance:statement_send", args=[statement.pk]), {"share": "1", "emails": ""})
    assert shared.status_code == 200 and 'data-testid="statement-link-url"' in shared.content.decode()
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        emailed = client.post(
            reverse("finance:statement_send", args=[statement.pk]), {"emails": "a@b.example, c@d.example"}
        )
    assert emailed.status_code == 200 and mail.outbox[0].to == ["a@b.example", "c@d.example"]

    statement_dispute(statement=statement, lines=[{"index": 1, "comment": "数量不对"}])
    page = client.get(detail).content.decode()
    assert "数量不对" in page and 'data-testid="resolve-form"' in page
    assert client.post(reverse("finance:statement_resolve", args=[statement.pk]), {"resolution": ""}).status_code == 400
    resolved = client.post(reverse("finance:statement_resolve", args=[statement.pk]), {"resolution": "已核对"})
    assert resolved.status_code == 200 and f"{statement.number}-V2" in resolved.content.decode()

    listing = client.get(reverse("finance:statement_list")).content.decode()
    assert listing.count('data-testid="statement-row"') == 2
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("finance:statement_file", args=[statement.pk, "xlsx"])).content)
    )
    values = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert Decimal("-37.00") in values and statement.number in values
    assert client.get(reverse("finance:statement_file", args=[statement.pk, "pdf"])).content.startswith(b"%PDF")

    client.force_login(personas["rep1"])
    customer_page = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()
    assert statement.number in customer_page


def test_the_public_page_takes_a_dispute_from_a_phone_form(client, personas, history):
    customer, _october, _november = history
    statement, token = statement_create(
        actor=personas["finance1"],
        customer=customer,
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 30),
    )
    url = reverse("statement_public", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex, nofollow"
    assert page.content.decode().count('data-testid="statement-line"') == 4

    missing = client.post(url, {"action": "dispute", "line": ["2"], "comment_2": ""})
    assert missing.status_code == 400 and "checked" in missing.content.decode()
    done = client.post(url, {"action": "dispute", "line": ["2"], "comment_2": "没有收到这张红字发票", "name": "王会计"})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert "没有收到这张红字发票" in page and 'data-testid="statement-disputed"' in page
    assert 'data-testid="confirm-statement"' not in page


# --- the property ------------------------------------------------------------------------------

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "credit_note", "payment", "refund"]),
        st.integers(min_value=0, max_value=60),  # days before TODAY
        st.integers(min_value=1, max_value=300),  # an amount (or units, for an invoice)
    ),
    min_size=1,
    max_size=7,
)


@pytest.fixture
def stock():
    return stocked_products(1, on_hand="100000")[1]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    operations=OPERATIONS, split=st.integers(min_value=0, max_value=61), length=st.integers(min_value=0, max_value=61)
)
def test_every_statement_balances_and_the_ageing_sums_to_what_is_open(personas, stock, operations, split, length):
    """For any history of invoices, credit notes, payments and refunds: opening + invoices − credit notes − payments
    + refunds = closing on every statement, each equal to the documents dated before it; and the ageing buckets sum
    to the open total of the invoices."""
    finance = personas["finance1"]
    customer = customer_ready_to_order(personas["rep1"])
    invoices, payments = [], []
    for kind, days_before, amount in sorted(operations, key=lambda op: -op[1]):
        day = TODAY - datetime.timedelta(days=days_before)
        if kind == "invoice":
            invoices.append(invoice_on(personas, customer, stock, day, units=str(1 + amount % 3)))
            continue
        with at(day):
            if kind == "credit_note":
                open_ones = [i for i in invoices if i.open_amount > 0]
                for invoice in open_ones[:1]:
                    invoice.refresh_from_db()
                    credit = min(Decimal(amount), invoice.open_amount)
                    if credit > 0:
                        credit_note_create(actor=finance, invoice=invoice, reason="x", amount=credit, issue=True)
            elif kind == "payment":
                payments.append(
                    payment_record(
                        actor=finance, customer=customer, amount=Decimal(amount), received_on=day, oldest_first=True
                    )
                )
            else:
                for payment in payments:
                    payment.refresh_from_db()
                    refund = min(Decimal(amount), payment.unallocated_amount)
                    if refund > 0:
                        payment_refund(payment=payment, actor=finance, amount=refund, refunded_on=day, reason="x")
                        break
        for invoice in invoices:
            invoice.refresh_from_db()

    start = TODAY - datetime.timedelta(days=split)
    end = min(start + datetime.timedelta(days=length), TODAY)
    with at(TODAY):
        figures = statement_figures(customer.pk, start, end)
        whole = statement_figures(customer.pk, datetime.date(2000, 1, 1), end)
        before = statement_figures(customer.pk, datetime.date(2000, 1, 1), start - datetime.timedelta(days=1))
        totals = ageing_totals(user=finance, today=TODAY, customer=customer.pk)

    sums = {
        kind: sum(
            (Decimal(line["debit"]) + Decimal(line["credit"]) for line in figures.lines if line["kind"] == kind),
            Decimal(0),
        )
        for kind in ("invoice", "credit_note", "payment", "refund")
    }
    assert (
        figures.opening_balance + sums["invoice"] - sums["credit_note"] - sums["payment"] + sums["refund"]
        == figures.closing_balance
    )
    assert figures.closing_balance == whole.closing_balance
    assert figures.opening_balance == before.closing_balance
    if figures.lines:
        assert Decimal(figures.lines[-1]["balance"]) == figures.closing_balance
    assert sum((totals[bucket.key] for bucket in BUCKETS), Decimal(0)) == totals["total"]
    assert totals["total"] == sum((i.open_amount for i in invoices), Decimal(0))


def test_the_public_link_answers_bad_input_with_a_clear_400(client, personas, history):
    customer, _october, _november = history
    _statement, token = statement_create(
        actor=personas["finance1"],
        customer=customer,
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 30),
    )
    url = reverse("statement_public", args=[token])

    def post(body):
        return client.post(url, body, content_type="application/json")

    assert post(json.dumps({"action": "confirm", "name": 7})).json() == {"name": ["Give your name as text."]}
    assert "lines" in post(json.dumps({"action": "dispute", "lines": [{"index": 1, "comment": 5}]})).json()
    assert post("[" * 5000 + "]" * 5000).status_code == 400
    assert post("not json").status_code == 400
    assert client.post(url, {"action": "dispute", "line": ["²"], "comment_2": "x"}).status_code == 400
    assert Statement.objects.get().status == "draft"
