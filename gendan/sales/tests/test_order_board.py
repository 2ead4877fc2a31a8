"""ORD-6: the order board, by stage; a drag is the transition table's action, a refused one snaps back with why."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from gendan.sales.models import Order, OrderStatus
from gendan.sales.selectors import BOARD_CARDS, order_board, order_list
from gendan.sales.services import order_submit, order_update
from tests.backbone import draft_order, stocked_products
from tests.stages import order_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def cards(response, stage) -> list[str]:
    body = response.content.decode()
    column = re.search(rf'data-testid="column-{stage}".*?</section>', body, re.S).group(0)
    return re.findall(r'data-id="(\d+)"', column)


def move(client, order, stage, htmx=True, **extra):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("sales:order_board_move", args=[order.pk]), {"move-stage": stage, **extra}, **headers)


def test_the_board_shows_open_orders_by_stage_with_counts(client, personas):
    rep = personas["rep1"]
    draft = draft_order(rep, stocked_products(1)[1])
    confirmed = order_at(OrderStatus.CONFIRMED, personas)
    held = order_at(OrderStatus.ON_HOLD, personas)
    closed = order_at(OrderStatus.CLOSED, personas)
    client.force_login(rep)

    response = client.get(reverse("sales:order_board"))

    assert response.status_code == 200
    assert cards(response, "draft") == [str(draft.pk)]
    assert cards(response, "confirmed") == [str(confirmed.pk)]
    assert cards(response, "on_hold") == [str(held.pk)]
    assert str(closed.pk) not in re.findall(r'data-id="(\d+)"', response.content.decode())
    assert 'data-testid="count-confirmed"' in response.content.decode()


def test_a_column_shows_its_newest_cards_and_counts_the_rest(personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    for _ in range(BOARD_CARDS + 2):
        draft_order(rep, products)

    columns = {column.stage: column for column in order_board(order_list(user=rep))}

    assert columns["draft"].count == BOARD_CARDS + 2
    assert len(columns["draft"].cards) == BOARD_CARDS
    assert columns["draft"].cards[0] == Order.objects.order_by("-created_at", "-id").first()


def test_the_board_takes_a_fixed_number_of_queries(client, personas, django_assert_max_num_queries):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    draft_order(rep, products)
    client.force_login(rep)
    client.get(reverse("sales:order_board"))
    with django_assert_max_num_queries(20) as first:
        client.get(reverse("sales:order_board"))
    for _ in range(5):
        order_submit(order=draft_order(rep, products), actor=rep)

    with django_assert_max_num_queries(len(first)):
        client.get(reverse("sales:order_board"))


def test_dragging_a_draft_onward_submits_it(client, personas):
    rep = personas["rep1"]
    order = draft_order(rep, stocked_products(1)[1])
    client.force_login(rep)

    response = move(client, order, "confirmed")

    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert cards(response, "confirmed") == [str(order.pk)]
    assert 'data-testid="move-error"' not in response.content.decode()


def test_an_approver_drags_to_approve_and_back_to_draft_to_reject_with_a_comment(client, personas):
    rep, manager = personas["rep1"], personas["manager1"]
    _warehouse, products = stocked_products(2)
    pending = []
    for product in products:
        order = draft_order(rep, [product])
        order = order_update(
            order=order, actor=rep, lines=[{"product": product, "quantity": 1, "discount_percent": Decimal("15")}]
        )
        pending.append(order_submit(order=order, actor=rep))
    client.force_login(manager)

    move(client, pending[0], "confirmed")
    response = move(client, pending[1], "draft", **{"move-comment": "折扣过高"})

    assert [Order.objects.get(pk=o.pk).status for o in pending] == [OrderStatus.CONFIRMED, OrderStatus.DRAFT]
    assert cards(response, "draft") == [str(pending[1].pk)]


def test_a_refused_move_snaps_back_with_the_reason(client, personas):
    rep = personas["rep1"]
    confirmed = order_at(OrderStatus.CONFIRMED, personas)
    client.force_login(rep)

    shipped = move(client, confirmed, "shipped")
    backwards = move(client, confirmed, "draft", **{"move-comment": "x"})
    client.force_login(personas["warehouse1"])  # sees every order, may not hold one
    own = move(client, confirmed, "on_hold", **{"move-reason": "等客户确认"})

    assert "Orders move to shipped and delivered with their shipments." in shipped.content.decode()
    assert "An order cannot move from Confirmed to Draft." in backwards.content.decode()
    assert "You are not allowed to do this." in own.content.decode()
    confirmed.refresh_from_db()
    assert confirmed.status == OrderStatus.CONFIRMED
    assert cards(own, "confirmed") == [str(confirmed.pk)]


def test_a_hold_without_a_reason_is_refused_and_without_javascript_the_board_redirects(client, personas):
    confirmed = order_at(OrderStatus.CONFIRMED, personas)
    client.force_login(personas["manager1"])

    refused = move(client, confirmed, "on_hold", htmx=False)

    assert refused.status_code == 302 and refused.url == reverse("sales:order_board")
    confirmed.refresh_from_db()
    assert confirmed.status == OrderStatus.CONFIRMED
    move(client, confirmed, "on_hold", **{"move-reason": "等客户确认"})
    confirmed.refresh_from_db()
    assert confirmed.status == OrderStatus.ON_HOLD


def test_an_order_out_of_sight_cannot_be_moved(client, personas):
    order = draft_order(personas["rep1"], stocked_products(1)[1])
    client.force_login(personas["rep3"])

    assert move(client, order, "confirmed").status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


def test_the_move_is_a_service_refusing_what_no_action_does_with_nothing_changed(personas):
    from gendan.core.errors import ApplicationError, ErrorCode
    from gendan.sales.services import order_move

    confirmed = order_at(OrderStatus.CONFIRMED, personas)

    with pytest.raises(ApplicationError) as exc:
        order_move(order=confirmed, actor=personas["manager1"], stage="delivered")

    assert (exc.value.code, exc.value.extra) == (
        ErrorCode.TRANSITION_NOT_ALLOWED,
        {"from": "confirmed", "to": "delivered"},
    )
    held = order_move(order=confirmed, actor=personas["manager1"], stage="on_hold", reason="等客户确认")
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, "等客户确认")
