"""Quotation services: entry, the transition table action by action, versions, accepting into an order, expiry."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from gendan.core.errors import ApplicationError
from gendan.core.models import Event
from gendan.sales.models import QUOTATION_ACTIONS, QUOTATION_TRANSITIONS, Order, Quotation, QuotationStatus
from gendan.sales.selectors_quotations import compare_quotations, quotation_allowed_actions
from gendan.sales.services_quotations import (
    quotation_accept,
    quotation_create,
    quotation_reject,
    quotation_revise,
    quotation_send,
    quotation_update,
    quotations_expire_due,
)
from tests.backbone import stocked_products
from tests.factories import ContactFactory, customer_ready_to_order

from .quotation_helpers import draft_quotation, quotation_at, quotation_state

pytestmark = pytest.mark.django_db

S = QuotationStatus


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def run(action, quotation, actor):
    if action == "send":
        return quotation_send(quotation=quotation, actor=actor)
    if action == "revise":
        return quotation_revise(quotation=quotation, actor=actor)
    if action == "accept":
        return quotation_accept(quotation=quotation, actor=actor)
    return quotation_reject(quotation=quotation, actor=actor, reason="交期太长")


# --- entry ---------------------------------------------------------------------------------------


def test_a_new_quotation_gets_a_number_totals_and_its_event(personas):
    # given
    rep = personas["rep1"]
    _warehouse, products = stocked_products(2)
    customer = customer_ready_to_order(rep, name="苏州精工机械有限公司")

    # when
    with time_machine.travel(datetime.datetime(2025, 6, 10, 10, tzinfo=datetime.UTC), tick=False):
        quotation = quotation_create(
            actor=rep,
            customer=customer,
            contact=customer.contacts.first(),
            terms="款到发货，含税含运费。",
            lines=[
                {"product": products[0], "quantity": "2", "discount_percent": "5"},
                {"product": products[1], "quantity": "1", "unit_price": "120"},
            ],
        )

    # then
    quotation.refresh_from_db()
    assert (quotation.number, quotation.revision, quotation.label) == ("QT2025060001", 1, "QT2025060001")
    assert (quotation.status, quotation.owner, quotation.created_by) == (S.DRAFT, rep, rep)
    assert quotation.valid_until == datetime.date(2025, 7, 10)  # 30 days
    assert (quotation.subtotal, quotation.tax_amount, quotation.total) == (
        Decimal("310.00"),
        Decimal("40.30"),
        Decimal("350.30"),
    )
    assert list(quotation.lines.values_list("position", "quantity", "unit_price", "amount", "below_floor")) == [
        (1, Decimal("2.000"), Decimal("100.00"), Decimal("190.00"), False),
        (2, Decimal("1.000"), Decimal("120.00"), Decimal("120.00"), False),
    ]
    event = Event.objects.get(verb="quotation.created")
    assert (event.actor, event.object_id, event.data) == (
        rep,
        quotation.pk,
        {"customer": customer.pk, "total": "350.30", "lines": 2, "revision": 1},
    )


def test_a_price_below_the_floor_is_allowed_and_flagged(personas):
    _warehouse, products = stocked_products(2)  # floor price 80

    quotation = quotation_create(
        actor=personas["rep1"],
        customer=customer_ready_to_order(personas["rep1"]),
        lines=[
            {"product": products[0], "quantity": "1", "unit_price": "79.99"},
            # 100 less 15% is 85: above the floor
            {"product": products[1], "quantity": "1", "discount_percent": "15"},
        ],
    )

    assert quotation.below_floor is True
    assert list(quotation.lines.values_list("below_floor", flat=True)) == [True, False]


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        ([], "lines", "Add at least one line."),
        ([{"quantity": "1"}], "lines.0.product", "Choose a product."),
        ([{"product": "P", "quantity": "0"}], "lines.0.quantity", "Enter a quantity above zero."),
        ([{"product": "P", "quantity": "1.23456"}], "lines.0.quantity", None),
        (
            [{"product": "P", "quantity": "1", "unit_price": "-1"}],
            "lines.0.unit_price",
            "The price cannot be negative.",
        ),
        ([{"product": "P", "quantity": "1", "discount_percent": "101"}], "lines.0.discount_percent", None),
    ],
)
def test_bad_lines_are_refused_on_their_field_and_nothing_is_written(personas, english, lines, field, message):
    _warehouse, (product,) = stocked_products(1)
    lines = [{**row, "product": product} if row.get("product") == "P" else row for row in lines]

    with pytest.raises(ValidationError) as excinfo:
        quotation_create(actor=personas["rep1"], customer=customer_ready_to_order(personas["rep1"]), lines=lines)

    assert field in errors_of(excinfo)
    if message:
        assert errors_of(excinfo)[field] == [message]
    assert not Quotation.objects.exists()
    assert not Event.objects.filter(verb__startswith="quotation.").exists()


def test_a_product_no_longer_sold_cannot_be_quoted(personas, english):
    _warehouse, (product,) = stocked_products(1, is_active=False, name="停产阀门")

    with pytest.raises(ValidationError) as excinfo:
        draft_quotation(personas["rep1"], [product])

    assert errors_of(excinfo) == {"lines.0.product": [f"{product} is no longer sold."]}


def test_the_header_is_checked_field_by_field(personas, english):
    # given: rep2's customer is out of rep1's sight; the contact belongs to someone else
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    theirs = customer_ready_to_order(personas["rep2"])
    stranger = ContactFactory(customer=customer_ready_to_order(rep))

    # when
    with pytest.raises(ValidationError) as excinfo:
        quotation_create(
            actor=rep,
            customer=theirs,
            contact=stranger,
            valid_until=timezone.localdate() - datetime.timedelta(days=1),
            tax_rate=Decimal("120"),
            lines=[{"product": products[0], "quantity": "1"}],
        )

    # then
    assert errors_of(excinfo) == {
        "customer": ["Choose one of your customers."],
        "contact": ["This contact belongs to another customer."],
        "valid_until": ["A quotation must be valid at least until today."],
        "tax_rate": ["A tax rate is between 0 and 100%."],
    }
    assert not Quotation.objects.exists()


@pytest.mark.parametrize("role", ["follower1", "warehouse1", "finance1", "service1", "boss1"])
def test_only_the_people_who_sell_write_quotations(personas, role):
    _warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(personas["rep1"])

    with pytest.raises(ApplicationError) as excinfo:
        quotation_create(actor=personas[role], customer=customer, lines=[{"product": products[0], "quantity": "1"}])

    assert excinfo.value.code == "permission_denied"
    assert not Quotation.objects.exists()


def test_a_manager_quotes_for_a_rep_of_the_department(personas):
    customer = customer_ready_to_order(personas["rep3"])

    quotation = draft_quotation(personas["manager1"], customer=customer)

    assert (quotation.owner, quotation.created_by) == (personas["rep3"], personas["manager1"])


def test_a_rep_cannot_hand_a_quotation_to_someone_out_of_sight(personas):
    rep = personas["rep1"]

    with pytest.raises(ApplicationError) as excinfo:
        draft_quotation(rep, owner=personas["rep2"])

    assert excinfo.value.code == "permission_denied"
    assert not Quotation.objects.exists()


# --- editing a draft -----------------------------------------------------------------------------


def test_editing_a_draft_replaces_its_lines_and_records_what_changed(personas):
    # given
    rep = personas["rep1"]
    quotation = draft_quotation(rep)
    _warehouse, (other,) = stocked_products(1)

    # when
    quotation = quotation_update(
        quotation=quotation,
        actor=rep,
        version=1,
        lines=[{"product": other, "quantity": "3", "unit_price": "70"}],
        terms="30天账期",
    )

    # then
    quotation.refresh_from_db()
    assert (quotation.version, quotation.total, quotation.below_floor, quotation.terms) == (
        2,
        Decimal("237.30"),
        True,
        "30天账期",
    )
    assert list(quotation.lines.values_list("product", "quantity")) == [(other.pk, Decimal("3.000"))]
    event = Event.objects.get(verb="quotation.updated")
    assert event.changes == {"terms": ["", "30天账期"], "total": ["226.00", "237.30"]}
    assert event.data == {"lines": 1}


def test_a_stale_edit_is_refused(personas):
    rep = personas["rep1"]
    quotation = draft_quotation(rep)
    quotation_update(quotation=quotation, actor=rep, version=1, terms="一")
    before = quotation_state(quotation)

    with pytest.raises(ApplicationError) as excinfo:
        quotation_update(quotation=quotation, actor=rep, version=1, terms="二")

    assert (excinfo.value.code, excinfo.value.extra) == ("stale_version", {"current_version": 2})
    assert quotation_state(quotation) == before


@pytest.mark.parametrize("status", [s for s in S.values if s != S.DRAFT])
def test_only_a_draft_can_be_edited(personas, status):
    quotation = quotation_at(status, personas)
    before = quotation_state(quotation)

    with pytest.raises(ApplicationError) as excinfo:
        quotation_update(quotation=quotation, actor=personas["rep1"], terms="改")

    assert excinfo.value.code == "not_editable"
    assert quotation_state(quotation) == before


# --- the transition table ------------------------------------------------------------------------


def test_the_action_table_matches_the_transition_table():
    moves = {"send": S.SENT, "revise": S.SUPERSEDED, "accept": S.ACCEPTED, "reject": S.REJECTED}
    for action, (from_statuses, _perms) in QUOTATION_ACTIONS.items():
        for status in from_statuses:
            assert moves[action] in QUOTATION_TRANSITIONS[status], (action, status)


ALLOWED = [(action, status) for action, (statuses, _p) in QUOTATION_ACTIONS.items() for status in sorted(statuses)]
REFUSED = [(a, s) for a in QUOTATION_ACTIONS for s in S.values if (a, s) not in ALLOWED]


@pytest.mark.parametrize(("action", "status"), ALLOWED)
def test_every_allowed_action_moves_the_quotation_and_records_it(personas, action, status):
    quotation = quotation_at(status, personas)

    result = run(action, quotation, personas["rep1"])

    quotation.refresh_from_db()
    expected = {"send": S.SENT, "revise": S.SUPERSEDED, "accept": S.ACCEPTED, "reject": S.REJECTED}[action]
    assert quotation.status == expected
    verb = {"send": "sent", "revise": "superseded", "accept": "accepted", "reject": "rejected"}[action]
    event = Event.objects.filter(verb=f"quotation.{verb}").latest("pk")
    assert (event.object_id, event.changes) == (quotation.pk, {"status": [status, expected]})
    if action == "accept":
        assert isinstance(result, Order)
    if action == "revise":
        assert (result.number, result.revision, result.status) == (quotation.number, 2, S.DRAFT)


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_every_action_not_in_the_table_is_refused_and_changes_nothing(personas, action, status):
    quotation = quotation_at(status, personas)
    before = quotation_state(quotation)

    with pytest.raises(ApplicationError) as excinfo:
        run(action, quotation, personas["rep1"])

    expected = "quotation_expired" if (action, status) == ("accept", S.EXPIRED) else "transition_not_allowed"
    assert excinfo.value.code == expected
    assert quotation_state(quotation) == before


@pytest.mark.parametrize("action", list(QUOTATION_ACTIONS))
@pytest.mark.parametrize("role", ["follower1", "warehouse1", "finance1", "boss1"])
def test_people_who_do_not_sell_cannot_act_on_a_quotation(personas, action, role):
    status = sorted(QUOTATION_ACTIONS[action][0])[0]
    quotation = quotation_at(status, personas)
    before = quotation_state(quotation)

    with pytest.raises(ApplicationError) as excinfo:
        run(action, quotation, personas[role])

    assert excinfo.value.code == "permission_denied"
    assert quotation_state(quotation) == before


@pytest.mark.parametrize("action", list(QUOTATION_ACTIONS))
def test_a_rep_cannot_act_on_a_teammates_quotation(personas, action):
    status = sorted(QUOTATION_ACTIONS[action][0])[0]
    quotation = quotation_at(status, personas)
    before = quotation_state(quotation)

    with pytest.raises(ApplicationError) as excinfo:
        run(action, quotation, personas["rep2"])

    assert excinfo.value.code == "permission_denied"
    assert quotation_state(quotation) == before


def test_the_allowed_actions_are_what_the_table_and_the_permissions_allow(personas):
    sent = quotation_at(S.SENT, personas)

    assert quotation_allowed_actions(quotation=sent, user=personas["rep1"]) == ["revise", "accept", "reject"]
    assert quotation_allowed_actions(quotation=sent, user=personas["boss1"]) == []
    after_validity = sent.valid_until + datetime.timedelta(days=1)
    assert quotation_allowed_actions(quotation=sent, user=personas["rep1"], today=after_validity) == [
        "revise",
        "reject",
    ]


# --- sending -------------------------------------------------------------------------------------


def test_sending_stamps_the_time_and_records_the_event(personas):
    quotation = draft_quotation(personas["rep1"])

    with time_machine.travel(datetime.datetime(2025, 6, 10, 2, tzinfo=datetime.UTC), tick=False):
        quotation_update(quotation=quotation, actor=personas["rep1"], valid_until=datetime.date(2025, 6, 30), version=1)
        quotation = quotation_send(quotation=quotation, actor=personas["rep1"])

    assert quotation.sent_at == datetime.datetime(2025, 6, 10, 2, tzinfo=datetime.UTC)
    event = Event.objects.get(verb="quotation.sent")
    assert event.data == {"customer": quotation.customer_id, "opportunity": None, "total": "226.00", "revision": 1}


def test_a_draft_whose_validity_has_passed_is_not_sent(personas, english):
    quotation = draft_quotation(personas["rep1"])
    before = quotation_state(quotation)

    later = timezone.now() + datetime.timedelta(days=40)
    with time_machine.travel(later, tick=False), pytest.raises(ValidationError) as excinfo:
        quotation_send(quotation=quotation, actor=personas["rep1"])

    assert list(errors_of(excinfo)) == ["valid_until"]
    assert quotation_state(quotation) == before


# --- versions ------------------------------------------------------------------------------------


def test_revising_makes_a_new_draft_version_and_keeps_the_old_one_as_it_was(personas):
    # given
    rep = personas["rep1"]
    sent = quotation_at(S.SENT, personas)
    old_lines = list(sent.lines.values_list("product", "quantity", "unit_price", "discount_percent", "amount"))

    # when
    new = quotation_revise(quotation=sent, actor=rep)
    new = quotation_update(quotation=new, actor=rep, lines=[{"product": sent.lines.get().product, "quantity": "5"}])

    # then
    sent.refresh_from_db()
    assert (sent.status, sent.revision) == (S.SUPERSEDED, 1)
    assert list(sent.lines.values_list("product", "quantity", "unit_price", "discount_percent", "amount")) == old_lines
    assert (new.number, new.revision, new.label, new.previous_id, new.status) == (
        sent.number,
        2,
        f"{sent.number}-V2",
        sent.pk,
        S.DRAFT,
    )
    assert (new.customer, new.contact, new.owner, new.valid_until) == (
        sent.customer,
        sent.contact,
        sent.owner,
        sent.valid_until,
    )
    assert new.total == Decimal("565.00")
    created = Event.objects.filter(verb="quotation.created", object_id=new.pk).get()
    assert created.data["previous"] == sent.pk
    assert created.data["revision"] == 2


def test_a_superseded_version_cannot_be_edited_or_answered(personas):
    old = quotation_at(S.SUPERSEDED, personas)
    before = quotation_state(old)

    for action in QUOTATION_ACTIONS:
        with pytest.raises(ApplicationError):
            run(action, old, personas["rep1"])
    with pytest.raises(ApplicationError):
        quotation_update(quotation=old, actor=personas["rep1"], terms="x")

    assert quotation_state(old) == before


def test_the_database_keeps_one_live_version_per_number(personas):
    from django.db import IntegrityError, transaction

    quotation = draft_quotation(personas["rep1"])

    with pytest.raises(IntegrityError), transaction.atomic():
        Quotation.objects.create(
            number=quotation.number,
            revision=2,
            customer=quotation.customer,
            owner=quotation.owner,
            valid_until=quotation.valid_until,
        )


def test_an_expired_quotation_is_revised_with_a_new_validity(personas):
    expired = quotation_at(S.EXPIRED, personas)

    new = quotation_revise(quotation=expired, actor=personas["rep1"])

    assert new.valid_until == timezone.localdate() + datetime.timedelta(days=30)
    assert new.status == S.DRAFT


def test_comparing_two_versions_names_what_changed(personas, english):
    # given: version 2 drops one product, changes the price of another, adds a third, and ends later
    rep = personas["rep1"]
    _warehouse, (kept, dropped, added) = stocked_products(3)
    first = draft_quotation(rep, [kept, dropped])
    first = quotation_send(quotation=first, actor=rep)
    second = quotation_revise(quotation=first, actor=rep)
    second = quotation_update(
        quotation=second,
        actor=rep,
        valid_until=first.valid_until + datetime.timedelta(days=10),
        lines=[{"product": kept, "quantity": "2", "unit_price": "90"}, {"product": added, "quantity": "1"}],
    )

    # when
    comparison = compare_quotations(first, second, list(first.lines.all()), list(second.lines.all()))

    # then
    assert [(str(label), old, new) for label, old, new in comparison.fields] == [
        ("valid until", first.valid_until, second.valid_until),
        ("subtotal", Decimal("400.00"), Decimal("280.00")),
        ("tax", Decimal("52.00"), Decimal("36.40")),
        ("total", Decimal("452.00"), Decimal("316.40")),
    ]
    assert [(c.product, c.kind, c.fields) for c in comparison.lines] == [
        (kept, "changed", ["unit_price", "amount"]),
        (added, "added", []),
        (dropped, "removed", []),
    ]
    assert comparison.has_changes


# --- the customer's answer -----------------------------------------------------------------------


def test_accepting_makes_a_draft_order_with_the_quoted_lines_linked_both_ways(personas, english):
    # given: a quotation with a discount and a price below the floor, made by the manager for rep1
    rep, manager = personas["rep1"], personas["manager1"]
    warehouse, (valve, pump) = stocked_products(2)
    customer = customer_ready_to_order(rep, name="宁波海天塑机有限公司")
    quotation = quotation_create(
        actor=manager,
        customer=customer,
        contact=customer.contacts.first(),
        tax_rate=Decimal("9"),
        lines=[
            {"product": valve, "quantity": "4", "discount_percent": "5"},
            {"product": pump, "quantity": "1", "unit_price": "75"},
        ],
    )
    quotation = quotation_send(quotation=quotation, actor=rep)

    # when
    order = quotation_accept(quotation=quotation, actor=rep)

    # then
    quotation.refresh_from_db()
    order = Order.objects.get(pk=order.pk)
    assert (order.status, order.customer, order.owner, order.contact, order.warehouse) == (
        "draft",
        customer,
        rep,
        customer.contacts.first(),
        warehouse,
    )
    assert order.shipping_address == customer.addresses.first()
    assert order.tax_rate == Decimal("9.00")
    assert list(order.lines.values_list("product", "quantity", "unit_price", "discount_percent", "amount")) == list(
        quotation.lines.values_list("product", "quantity", "unit_price", "discount_percent", "amount")
    )
    assert (order.subtotal, order.total) == (quotation.subtotal, quotation.total)
    assert order.notes == f"From quotation {quotation.number}."
    assert (quotation.status, quotation.order, order.quotation) == (S.ACCEPTED, order, quotation)
    accepted = Event.objects.get(verb="quotation.accepted")
    assert (accepted.object_id, accepted.root_id, accepted.data) == (
        quotation.pk,
        order.pk,
        {"order": order.pk, "order_number": order.number},
    )
    assert Event.objects.filter(verb="order.created", object_id=order.pk).exists()


def test_a_sent_quotation_past_its_validity_is_not_accepted(personas):
    quotation = quotation_at(S.SENT, personas)
    before = quotation_state(quotation)
    after = timezone.now() + datetime.timedelta(days=31)

    with time_machine.travel(after, tick=False), pytest.raises(ApplicationError) as excinfo:
        quotation_accept(quotation=quotation, actor=personas["rep1"])

    assert excinfo.value.code == "quotation_expired"
    assert excinfo.value.extra == {"status": "sent", "valid_until": quotation.valid_until.isoformat()}
    assert quotation_state(quotation) == before


def test_an_order_that_cannot_be_made_leaves_the_quotation_sent(personas):
    # given: the product was taken off sale after the quotation went out
    quotation = quotation_at(S.SENT, personas)
    product = quotation.lines.get().product
    product.is_active = False
    product.save()
    before = quotation_state(quotation)

    with pytest.raises(ValidationError) as excinfo:
        quotation_accept(quotation=quotation, actor=personas["rep1"])

    assert list(errors_of(excinfo)) == ["lines.0.product"]
    assert quotation_state(quotation) == before


def test_rejecting_keeps_the_customers_reason(personas):
    quotation = quotation_at(S.SENT, personas)

    quotation_reject(quotation=quotation, actor=personas["rep1"], reason="  竞争对手报价更低  ")

    quotation.refresh_from_db()
    assert (quotation.status, quotation.reject_reason) == (S.REJECTED, "竞争对手报价更低")
    assert quotation.decided_at is not None
    assert Event.objects.get(verb="quotation.rejected").data == {"reason": "竞争对手报价更低"}


@pytest.mark.parametrize("reason", ["", "   ", "长" * 201])
def test_a_rejection_needs_a_reason_of_sensible_length(personas, reason):
    quotation = quotation_at(S.SENT, personas)
    before = quotation_state(quotation)

    with pytest.raises(ValidationError) as excinfo:
        quotation_reject(quotation=quotation, actor=personas["rep1"], reason=reason)

    assert list(errors_of(excinfo)) == ["reason"]
    assert quotation_state(quotation) == before


# --- expiry --------------------------------------------------------------------------------------


def test_sent_quotations_expire_the_day_after_their_validity_once(personas):
    # given: a sent one valid until the 20th, a draft with the same date, one valid longer
    rep = personas["rep1"]
    with time_machine.travel(datetime.datetime(2025, 6, 10, 2, tzinfo=datetime.UTC), tick=False):
        sent = quotation_send(quotation=draft_quotation(rep, valid_until=datetime.date(2025, 6, 20)), actor=rep)
        draft = draft_quotation(rep, valid_until=datetime.date(2025, 6, 20))
        longer = quotation_send(quotation=draft_quotation(rep, valid_until=datetime.date(2025, 6, 25)), actor=rep)

    # when / then
    assert quotations_expire_due(today=datetime.date(2025, 6, 20)) == 0
    assert quotations_expire_due(today=datetime.date(2025, 6, 21)) == 1
    assert quotations_expire_due(today=datetime.date(2025, 6, 21)) == 0
    assert {q.pk: q.status for q in Quotation.objects.all()} == {
        sent.pk: S.EXPIRED,
        draft.pk: S.DRAFT,
        longer.pk: S.SENT,
    }
    event = Event.objects.get(verb="quotation.expired")
    assert (event.actor, event.object_id, event.data) == (None, sent.pk, {"valid_until": "2025-06-20"})


# --- the deal it prices --------------------------------------------------------------------------


def test_a_quotation_names_a_deal_of_its_customer_and_keeps_it_when_revised(personas, english):
    from gendan.crm.services_pipeline import opportunity_create

    rep = personas["rep1"]
    customer = customer_ready_to_order(rep)
    deal = opportunity_create(customer=customer, actor=rep, name="厂房二期设备", stage="proposal")
    elsewhere = opportunity_create(customer=customer_ready_to_order(rep), actor=rep, name="别家的商机")

    with pytest.raises(ValidationError) as excinfo:
        draft_quotation(rep, customer=customer, opportunity=elsewhere)
    quotation = draft_quotation(rep, customer=customer, opportunity=deal)
    revised = quotation_revise(quotation=quotation_send(quotation=quotation, actor=rep), actor=rep)

    assert errors_of(excinfo) == {"opportunity": ["This opportunity belongs to another customer."]}
    assert (quotation.opportunity, revised.opportunity) == (deal, deal)
    assert list(deal.quotations.order_by("revision")) == [quotation, revised]
