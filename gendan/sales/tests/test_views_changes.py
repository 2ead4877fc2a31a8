"""The pages of changes to a confirmed order: the form, the change with its impact and actions, the revisions."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gendan.inventory.models import StockLevel
from gendan.sales.models import ChangeRequest, ChangeStatus, OrderStatus
from gendan.sales.services import order_submit
from gendan.sales.services_approvals import approval_rule_create
from gendan.sales.services_changes import change_request_create, change_request_submit
from tests.backbone import draft_order, stocked_products
from tests.factories import ProductFactory, StockLevelFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = Decimal


def confirmed(rep, quantities=("10", "5"), on_hand="100"):
    warehouse, products = stocked_products(len(quantities), on_hand=on_hand)
    order = order_submit(order=draft_order(rep, products, list(quantities)), actor=rep)
    assert order.status == OrderStatus.CONFIRMED
    return order, products, list(order.lines.order_by("position"))


def form_post(order, lines, reason="Customer wants more", new=(), **overrides):
    """The change form as the browser posts it: every line as it is, no new line, the order's dates."""
    data = {
        "reason": reason,
        "promised_date": order.promised_date.isoformat() if order.promised_date else "",
        "requested_date": order.requested_date.isoformat() if order.requested_date else "",
        "new-count": str(max(len(new), 1)),
    }
    for line in lines:
        prefix = f"line-{line.pk}"
        data.update(
            {
                f"{prefix}-quantity": str(line.quantity),
                f"{prefix}-unit_price": str(line.unit_price),
                f"{prefix}-discount_percent": str(line.discount_percent),
            }
        )
    for i, row in enumerate(new):
        data.update({f"new-{i}-{name}": value for name, value in row.items()})
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def last_message(response) -> str:
    """The message the response added (the test client keeps earlier ones until a page shows them)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def shown_actions(response) -> list[str]:
    return re.findall(r'data-action="(\w+)"', response.content.decode())


def two_level_rule(admin):
    return approval_rule_create(
        actor=admin,
        name="Raised quantities",
        applies_to="order_change",
        conditions=[{"type": "quantity_raised"}],
        levels=[{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}],
    )


# --- the order page ------------------------------------------------------------------------------


def test_the_order_page_offers_a_change_of_a_confirmed_order_only(client, personas):
    order, _products, _lines = confirmed(personas["rep1"])
    draft = draft_order(personas["rep1"], stocked_products(1)[1])
    url = reverse("sales:change_create", args=[order.pk])

    client.force_login(personas["rep1"])
    assert url in client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert (
        'data-testid="change-order"' not in client.get(reverse("sales:order_detail", args=[draft.pk])).content.decode()
    )
    refused = client.get(reverse("sales:change_create", args=[draft.pk]))
    assert refused.status_code == 302
    assert "Only a confirmed order that has not shipped in full can be changed" in last_message(refused)

    client.force_login(personas["warehouse1"])
    assert (
        'data-testid="change-order"' not in client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    )
    assert client.get(url).status_code == 403


def test_someone_outside_the_orders_scope_finds_neither_the_form_nor_the_change(client, personas):
    order, _products, lines = confirmed(personas["rep1"])
    change = change_request_create(order=order, actor=personas["rep1"], reason="More", lines=None)
    client.force_login(personas["rep3"])

    assert client.get(reverse("sales:change_create", args=[order.pk])).status_code == 404
    assert client.get(reverse("sales:change_detail", args=[change.pk])).status_code == 404
    assert client.get(reverse("sales:change_edit", args=[change.pk])).status_code == 404
    assert client.post(reverse("sales:change_action", args=[change.pk, "submit"])).status_code == 404
    assert client.get(reverse("sales:order_revisions_compare", args=[order.pk])).status_code == 404
    change.refresh_from_db()
    assert change.status == ChangeStatus.DRAFT


def test_the_order_page_lists_the_revisions_and_the_changes(client, personas):
    rep = personas["rep1"]
    order, _products, lines = confirmed(rep)
    applied = change_request_submit(
        change=change_request_create(
            order=order, actor=rep, reason="Twelve", lines=[{"line": lines[0].pk, "quantity": D("12")}]
        ),
        actor=rep,
    )
    draft = change_request_create(
        order=order, actor=rep, reason="Fewer", lines=[{"line": lines[0].pk, "quantity": D("8")}]
    )
    client.force_login(rep)

    body = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()

    assert body.count('data-testid="order-revision"') == 2
    assert reverse("sales:order_revisions_compare", args=[order.pk]) + "?a=1&amp;b=2" in body
    assert body.count('data-testid="change-request"') == 2
    assert reverse("sales:change_detail", args=[applied.pk]) in body
    assert reverse("sales:change_detail", args=[draft.pk]) in body
    assert f"{order.number}-C2" in body and "Fewer" in body


def test_the_order_page_reads_its_changes_in_a_fixed_number_of_queries(client, personas):
    rep = personas["rep1"]
    one, _products, one_lines = confirmed(rep)
    three, _products, three_lines = confirmed(rep)
    change_request_submit(
        change=change_request_create(
            order=one, actor=rep, reason="A", lines=[{"line": one_lines[0].pk, "quantity": D("11")}]
        ),
        actor=rep,
    )
    for quantity in ("11", "12"):
        change_request_submit(
            change=change_request_create(
                order=three, actor=rep, reason="A", lines=[{"line": three_lines[0].pk, "quantity": D(quantity)}]
            ),
            actor=rep,
        )
    change_request_create(order=three, actor=rep, reason="B", lines=[{"line": three_lines[0].pk, "quantity": D("9")}])
    client.force_login(rep)
    client.get(reverse("sales:order_detail", args=[one.pk]))  # warm the session

    # then: the change requests and the revisions are one query each, however many
    assert _queries(client, reverse("sales:order_detail", args=[one.pk])) == _queries(
        client, reverse("sales:order_detail", args=[three.pk])
    )


# --- the form ------------------------------------------------------------------------------------


def test_the_form_drafts_a_change_with_the_lines_and_dates_given(client, personas):
    rep = personas["rep1"]
    order, products, lines = confirmed(rep, quantities=("10", "5", "3"))
    extra = ProductFactory(list_price=D("40.00"), floor_price=D("30.00"))
    StockLevelFactory(product=extra, warehouse=order.warehouse, on_hand=D("50"))
    promised = timezone.localdate() + datetime.timedelta(days=30)
    client.force_login(rep)
    page = client.get(reverse("sales:change_create", args=[order.pk]))
    assert page.content.decode().count('data-testid="change-line"') == 3

    response = client.post(
        reverse("sales:change_create", args=[order.pk]),
        form_post(
            order,
            lines,
            promised_date=promised.isoformat(),
            new=[{"product": str(extra.pk), "quantity": "4"}],
            **{f"line-{lines[0].pk}-quantity": "15", f"line-{lines[1].pk}-remove": "on"},
        ),
    )

    change = ChangeRequest.objects.get(order=order)
    assert response.status_code == 302
    assert response.url == reverse("sales:change_detail", args=[change.pk])
    assert change.status == ChangeStatus.DRAFT and change.reason == "Customer wants more"
    assert [(row["line"], row["product"], D(row["quantity"])) for row in change.lines] == [
        (lines[0].pk, products[0].pk, 15),
        (lines[2].pk, products[2].pk, 3),
        (None, extra.pk, 4),
    ]
    assert D(change.lines[2]["unit_price"]) == D("40.00")  # the list price, none typed
    # The requested date was left as the order has it: the change does not touch it.
    assert change.header == {"promised_date": promised.isoformat()}
    order.refresh_from_db()
    assert [line.quantity for line in order.lines.order_by("position")] == [10, 5, 3]

    detail = client.get(response.url).content.decode()
    assert f"{order.number}-C1" in detail
    assert 'data-kind="added"' in detail and 'data-kind="removed"' in detail
    assert 'data-testid="changed-cell"' in detail
    assert promised.isoformat() in detail


def test_a_bad_quantity_is_shown_at_its_lines_field(client, personas):
    rep = personas["rep1"]
    order, _products, lines = confirmed(rep, quantities=("10", "5", "3"))
    client.force_login(rep)

    # the first line removed, so the third line is row 1 of what the service gets
    response = client.post(
        reverse("sales:change_create", args=[order.pk]),
        form_post(order, lines, **{f"line-{lines[0].pk}-remove": "on", f"line-{lines[2].pk}-quantity": "0"}),
    )

    assert response.status_code == 400
    rows = {form.line.pk: form for form in response.context["editor"].lines}
    assert rows[lines[2].pk].errors["quantity"] == ["Enter a quantity above zero."]
    assert not rows[lines[1].pk].errors
    assert "Enter a quantity above zero." in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_a_new_line_without_a_product_and_a_missing_reason_are_shown_at_their_fields(client, personas):
    rep = personas["rep1"]
    order, _products, lines = confirmed(rep)
    client.force_login(rep)

    response = client.post(
        reverse("sales:change_create", args=[order.pk]), form_post(order, lines, reason="", new=[{"quantity": "2"}])
    )

    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert not ChangeRequest.objects.exists()
    response = client.post(
        reverse("sales:change_create", args=[order.pk]), form_post(order, lines, new=[{"quantity": "2"}])
    )
    assert response.context["editor"].new[0].errors["product"] == ["Choose a product."]
    assert not ChangeRequest.objects.exists()


def test_adding_a_row_keeps_what_was_typed(client, personas):
    rep = personas["rep1"]
    order, _products, lines = confirmed(rep)
    client.force_login(rep)

    response = client.post(
        reverse("sales:change_create", args=[order.pk]),
        form_post(order, lines, add_line="1", **{f"line-{lines[0].pk}-quantity": "11"}),
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="new-line"') == 2
    assert 'value="11"' in body
    assert not ChangeRequest.objects.exists()


def test_editing_a_draft_shows_it_and_can_set_a_date_back(client, personas):
    rep = personas["rep1"]
    order, _products, lines = confirmed(rep)
    promised = timezone.localdate() + datetime.timedelta(days=30)
    change = change_request_create(
        order=order,
        actor=rep,
        reason="More",
        lines=[{"line": lines[0].pk, "quantity": D("12")}],
        promised_date=promised,
    )
    client.force_login(rep)

    page = client.get(reverse("sales:change_edit", args=[change.pk]))
    editor = page.context["editor"]
    assert editor.lines[0].initial["quantity"] == 12
    assert editor.lines[1].initial["remove"] is True
    assert page.context["form"].initial["promised_date"] == promised

    # the promised date put back to the order's own (none), line 2 kept after all
    data = form_post(order, lines, reason="More, and line 2 stays", version=str(change.version))
    data[f"line-{lines[0].pk}-quantity"] = "13"
    response = client.post(reverse("sales:change_edit", args=[change.pk]), data)

    assert response.status_code == 302
    change.refresh_from_db()
    assert [D(row["quantity"]) for row in change.lines] == [13, 5]
    assert change.reason == "More, and line 2 stays"
    assert change.impact["dates"] == []


# --- the change page and its actions -------------------------------------------------------------


def test_a_refused_submit_shows_the_reason_and_changes_nothing(client, personas):
    rep = personas["rep1"]
    order, products, lines = confirmed(rep, on_hand="20")
    change = change_request_create(
        order=order,
        actor=rep,
        reason="Far more",
        lines=[{"line": lines[0].pk, "quantity": D("25")}, {"line": lines[1].pk, "quantity": D("5")}],
    )
    client.force_login(rep)
    page = client.get(reverse("sales:change_detail", args=[change.pk]))
    assert shown_actions(page) == ["submit", "cancel"]
    assert 'data-testid="impact-problems"' in page.content.decode()
    assert 'data-enough="false"' in page.content.decode()

    response = client.post(reverse("sales:change_action", args=[change.pk, "submit"]))

    assert response.status_code == 302
    assert response.url == reverse("sales:change_detail", args=[change.pk])
    assert last_message(response) == f"{products[0].sku}: 15 more to reserve, 10 available."
    change.refresh_from_db()
    order.refresh_from_db()
    assert change.status == ChangeStatus.DRAFT and order.revision == 1
    assert StockLevel.objects.get(product=products[0]).reserved == 10


def test_an_unknown_action_is_not_found(client, personas):
    order, _products, _lines = confirmed(personas["rep1"])
    change = change_request_create(order=order, actor=personas["rep1"], reason="More", lines=None)
    client.force_login(personas["rep1"])

    assert client.post(reverse("sales:change_action", args=[change.pk, "apply"])).status_code == 404
    assert client.get(reverse("sales:change_action", args=[change.pk, "submit"])).status_code == 405


def test_two_levels_approve_the_change_and_each_approver_sees_their_buttons(client, personas):
    rep, leader, boss = personas["rep1"], personas["manager1"], personas["boss1"]
    two_level_rule(personas["admin"])
    order, _products, lines = confirmed(rep)
    change = change_request_create(
        order=order,
        actor=rep,
        reason="More",
        lines=[{"line": lines[0].pk, "quantity": D("12")}, {"line": lines[1].pk, "quantity": D("5")}],
    )
    client.force_login(rep)
    submitted = client.post(reverse("sales:change_action", args=[change.pk, "submit"]))
    assert last_message(submitted) == f"Change {change.label} submitted; it waits for approval."
    page = client.get(reverse("sales:change_detail", args=[change.pk]))
    assert shown_actions(page) == ["cancel"]
    assert "You submitted this change, so another approver decides it." in page.content.decode()
    assert "quantity raised from 10 to 12" in page.content.decode()

    client.force_login(boss)  # not yet: the leader decides the first level
    assert shown_actions(client.get(reverse("sales:change_detail", args=[change.pk]))) == []
    client.force_login(leader)
    page = client.get(reverse("sales:change_detail", args=[change.pk]))
    assert shown_actions(page) == ["approve", "reject", "cancel"]
    assert "You may decide this level now." in page.content.decode()
    response = client.post(reverse("sales:change_action", args=[change.pk, "approve"]), {"comment": "fine"})
    assert last_message(response) == "Your approval is recorded; the next level decides now."

    client.force_login(boss)
    response = client.post(reverse("sales:change_action", args=[change.pk, "approve"]))

    assert last_message(response) == f"Change {change.label} applied: the order is now at revision 2."
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPLIED
    page = client.get(reverse("sales:change_detail", args=[change.pk])).content.decode()
    assert reverse("sales:order_revisions_compare", args=[order.pk]) + "?a=1&amp;b=2" in page
    assert page.count('data-state="done"') == 2
    assert "“fine”" in page


def test_a_rejection_needs_a_reason(client, personas):
    rep, leader = personas["rep1"], personas["manager1"]
    two_level_rule(personas["admin"])
    order, _products, lines = confirmed(rep)
    change = change_request_submit(
        change=change_request_create(
            order=order, actor=rep, reason="More", lines=[{"line": lines[0].pk, "quantity": D("12")}]
        ),
        actor=rep,
    )
    client.force_login(leader)

    response = client.post(reverse("sales:change_action", args=[change.pk, "reject"]), {"comment": ""})
    assert last_message(response) == "Say why the change is rejected."
    response = client.post(reverse("sales:change_action", args=[change.pk, "reject"]), {"comment": "Too many"})

    assert last_message(response) == f"Change {change.label} rejected; the order stays as it was."
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert "Too many" in client.get(reverse("sales:change_detail", args=[change.pk])).content.decode()


def test_a_stale_change_is_redrafted_on_the_new_revision(client, personas):
    rep = personas["rep1"]
    order, _products, lines = confirmed(rep)
    first = change_request_create(
        order=order,
        actor=rep,
        reason="A",
        lines=[{"line": lines[0].pk, "quantity": D("12")}, {"line": lines[1].pk, "quantity": D("5")}],
    )
    second = change_request_create(
        order=order,
        actor=rep,
        reason="B",
        lines=[{"line": lines[0].pk, "quantity": D("10")}, {"line": lines[1].pk, "quantity": D("7")}],
    )
    change_request_submit(change=first, actor=rep)
    client.force_login(rep)

    page = client.get(reverse("sales:change_detail", args=[second.pk]))
    assert shown_actions(page) == ["rebase", "cancel"]
    assert 'data-testid="change-stale"' in page.content.decode()
    response = client.post(reverse("sales:change_action", args=[second.pk, "rebase"]))

    assert (
        last_message(response)
        == f"Change {second.label} is a draft again on revision 2: check its impact and submit it."
    )
    second.refresh_from_db()
    assert second.status == ChangeStatus.DRAFT and second.base_revision == 2
    response = client.post(reverse("sales:change_action", args=[second.pk, "cancel"]), {"reason": "not needed"})
    assert last_message(response) == f"Change {second.label} cancelled."
    second.refresh_from_db()
    assert second.status == ChangeStatus.CANCELLED
    assert client.get(reverse("sales:change_edit", args=[second.pk])).status_code == 302


# --- revisions -----------------------------------------------------------------------------------


def test_the_compare_page_marks_the_changed_cells(client, personas):
    rep = personas["rep1"]
    order, products, lines = confirmed(rep)
    change_request_submit(
        change=change_request_create(
            order=order,
            actor=rep,
            reason="More",
            lines=[{"line": lines[0].pk, "quantity": D("12")}, {"line": lines[1].pk, "quantity": D("5")}],
        ),
        actor=rep,
    )
    client.force_login(rep)

    response = client.get(reverse("sales:order_revisions_compare", args=[order.pk]), {"a": "1", "b": "2"})

    assert response.status_code == 200
    body = response.content.decode()
    changed = re.findall(r'data-testid="changed-cell">([^<]*)<', body)
    # the subtotal, tax and total; line 1's quantity and amount
    assert changed == ["1,700.00", "221.00", "1,921.00", "12", "1,200.00"]
    kinds = re.findall(r'data-testid="revision-line" data-kind="(\w+)"', body)
    assert kinds == ["changed", "same"]
    same = client.get(reverse("sales:order_revisions_compare", args=[order.pk]), {"a": "2", "b": "2"})
    assert 'data-testid="changed-cell"' not in same.content.decode()
    assert client.get(reverse("sales:order_revisions_compare", args=[order.pk]), {"a": "3"}).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_change_page_and_the_comparison_take_a_fixed_number_of_queries(client, personas):
    rep = personas["rep1"]
    two_level_rule(personas["admin"])
    small, _products, small_lines = confirmed(rep, quantities=("10",))
    large, _products, large_lines = confirmed(rep, quantities=("10", "5", "4", "3", "2"))
    changes = []
    for order, lines in ((small, small_lines), (large, large_lines)):
        rows = [{"line": line.pk, "quantity": line.quantity + 1} for line in lines]
        changes.append(
            change_request_submit(
                change=change_request_create(order=order, actor=rep, reason="More", lines=rows), actor=rep
            )
        )
    client.force_login(personas["manager1"])
    client.get(reverse("sales:change_detail", args=[changes[0].pk]))  # warm the session

    small_page = _queries(client, reverse("sales:change_detail", args=[changes[0].pk]))
    large_page = _queries(client, reverse("sales:change_detail", args=[changes[1].pk]))
    # session, user, the manager's department and the two levels under it (scope), permissions (user's and
    # groups'), the change with its order and customer, its approvals, their steps, who asked
    assert small_page == large_page <= 11

    for change in changes:
        client.force_login(personas["manager1"])
        client.post(reverse("sales:change_action", args=[change.pk, "approve"]))
        client.force_login(personas["boss1"])
        client.post(reverse("sales:change_action", args=[change.pk, "approve"]))
    small_compare = _queries(client, reverse("sales:order_revisions_compare", args=[small.pk]))
    large_compare = _queries(client, reverse("sales:order_revisions_compare", args=[large.pk]))
    # session, user, permissions (user's and groups'), the order, its revisions with their authors and changes
    assert small_compare == large_compare <= 6
