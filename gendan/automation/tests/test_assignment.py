"""Automatic assignment of new customers and orders: round robin, least open work, region → rep."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from gendan.automation import services as automation_services
from gendan.automation.assignment import assign_owner
from gendan.automation.models import AssignmentRule, AssignmentStrategy
from gendan.core.models import Event
from gendan.crm.services import customer_create
from gendan.sales.models import OrderStatus
from gendan.sales.services import order_create
from tests.backbone import draft_order, stocked_products
from tests.factories import CustomerFactory, customer_ready_to_order
from tests.test_concurrency import race


def make_rule(*candidates, strategy=AssignmentStrategy.ROUND_ROBIN, target="crm.customer", **kwargs):
    rule = AssignmentRule.objects.create(target_model=target, strategy=strategy, **kwargs)
    rule.candidates.set(candidates)
    return rule


def picks(count, actor, record_type="crm.customer", region=""):
    return [assign_owner(record_type, region=region, actor=actor).username for _ in range(count)]


def test_round_robin_goes_through_the_candidates_in_id_order_and_remembers_the_last(personas):
    rule = make_rule(personas["rep3"], personas["rep1"], personas["rep2"])

    assert picks(4, personas["admin"]) == ["rep1", "rep2", "rep3", "rep1"]
    rule.refresh_from_db()
    assert rule.last_assigned == personas["rep1"]


def test_round_robin_skips_inactive_people(personas):
    make_rule(personas["rep1"], personas["rep2"], personas["rep3"])
    personas["rep2"].is_active = False
    personas["rep2"].save()

    assert picks(3, personas["admin"]) == ["rep1", "rep3", "rep1"]


def test_no_active_rule_or_nobody_to_choose_gives_none(personas):
    assert assign_owner("crm.customer", actor=personas["admin"]) is None
    make_rule(personas["rep1"], is_active=False)
    assert assign_owner("crm.customer", actor=personas["admin"]) is None
    make_rule(target="sales.order")
    assert assign_owner("sales.order", actor=personas["admin"]) is None


def test_least_open_work_counts_the_record_type_and_open_tasks(personas):
    # given rep1 owns two customers, rep2 one customer and two open tasks, rep3 one customer
    make_rule(personas["rep1"], personas["rep2"], personas["rep3"], strategy=AssignmentStrategy.LEAST_OPEN)
    CustomerFactory.create_batch(2, owner=personas["rep1"])
    CustomerFactory(owner=personas["rep2"])
    CustomerFactory(owner=personas["rep3"])
    for title in ("a", "b"):
        automation_services.task_create(actor=personas["manager1"], title=title, assignee=personas["rep2"])
    done = automation_services.task_create(actor=personas["manager1"], title="c", assignee=personas["rep3"])
    automation_services.task_complete(task=done, actor=personas["rep3"])

    # then rep3 (1) goes first; with rep3 at 2 and rep1 at 2, ties go in turn after rep3: rep1
    assert picks(1, personas["admin"]) == ["rep3"]
    CustomerFactory(owner=personas["rep3"])
    assert picks(1, personas["admin"]) == ["rep1"]


def test_least_open_work_for_orders_counts_open_orders_not_closed_ones(personas):
    make_rule(personas["rep1"], personas["rep2"], strategy=AssignmentStrategy.LEAST_OPEN, target="sales.order")
    _warehouse, (product,) = stocked_products(1)
    customer = customer_ready_to_order(personas["rep1"])
    draft_order(personas["rep1"], [product], customer=customer)
    cancelled = draft_order(personas["rep2"], [product])
    cancelled.status = OrderStatus.CANCELLED
    cancelled.save()
    # rep1: one open order; rep2: one customer but no open order.
    assert picks(1, personas["admin"], "sales.order") == ["rep2"]


def test_region_goes_to_the_mapped_rep_and_falls_back_to_round_robin(personas):
    rule = make_rule(
        personas["rep1"],
        personas["rep2"],
        strategy=AssignmentStrategy.REGION,
        region_map={"浙江省": personas["rep3"].pk, "江苏省": personas["rep2"].pk},
    )
    admin = personas["admin"]

    assert picks(1, admin, region="浙江省杭州市") == ["rep3"]
    assert picks(1, admin, region="江苏省") == ["rep2"]
    # Unmapped regions and no region at all go in turn; region picks did not move the turn.
    assert picks(3, admin, region="广东省") == ["rep1", "rep2", "rep1"]
    assert picks(1, admin) == ["rep2"]
    # A mapped rep who has left is passed over for the turn.
    personas["rep3"].is_active = False
    personas["rep3"].save()
    assert picks(1, admin, region="浙江省") == ["rep1"]
    rule.refresh_from_db()
    assert rule.last_assigned == personas["rep1"]


def test_only_people_within_the_actors_sight_are_chosen(personas):
    # manager1 sees the Sales department; warehouse1 works in Operations.
    make_rule(personas["warehouse1"], personas["rep1"], personas["rep3"])
    assert picks(3, personas["manager1"]) == ["rep1", "rep3", "rep1"]


# --- where records arrive -------------------------------------------------------------------------


def test_a_customer_entered_by_an_administrator_goes_by_the_rule(personas):
    make_rule(personas["rep2"], personas["rep3"])

    customer = customer_create(actor=personas["admin"], name="杭州新客户有限公司", region="浙江省")

    assert customer.owner == personas["rep2"]
    assigned = Event.objects.get(verb="customer.assigned")
    assert (assigned.object_id, assigned.actor, assigned.data) == (
        customer.pk,
        personas["admin"],
        {"owner": personas["rep2"].pk, "by": "assignment_rule"},
    )


def test_a_rep_keeps_the_customers_they_enter_and_a_named_owner_is_kept(personas):
    make_rule(personas["rep2"], personas["rep3"])

    own = customer_create(actor=personas["rep1"], name="自己的客户")
    named = customer_create(actor=personas["admin"], name="指定的客户", owner=personas["rep1"])

    assert (own.owner, named.owner) == (personas["rep1"], personas["rep1"])
    assert not Event.objects.filter(verb="customer.assigned").exists()
    assert AssignmentRule.objects.get().last_assigned is None


def test_without_a_rule_the_administrator_owns_what_they_enter(personas):
    customer = customer_create(actor=personas["admin"], name="无规则客户")
    assert customer.owner == personas["admin"]


def test_an_order_for_a_customer_whose_rep_left_goes_by_the_order_rule(personas):
    # given rep1's customer, and rep1 has left
    make_rule(personas["rep2"], personas["rep3"], target="sales.order")
    _warehouse, (product,) = stocked_products(1)
    customer = customer_ready_to_order(personas["rep1"])
    personas["rep1"].is_active = False
    personas["rep1"].save()

    # when an administrator enters an order without naming an owner
    order = order_create(
        actor=personas["admin"], customer=customer, lines=[{"product": product, "quantity": Decimal("1")}]
    )

    # then the rule picks its owner and says so
    assert order.owner == personas["rep2"]
    assert Event.objects.get(verb="order.assigned").data == {"owner": personas["rep2"].pk, "by": "assignment_rule"}


def test_an_order_keeps_the_customers_active_rep(personas):
    make_rule(personas["rep2"], target="sales.order")
    _warehouse, (product,) = stocked_products(1)
    customer = customer_ready_to_order(personas["rep1"])

    order = order_create(
        actor=personas["admin"], customer=customer, lines=[{"product": product, "quantity": Decimal("1")}]
    )
    assert order.owner == personas["rep1"]
    assert not Event.objects.filter(verb="order.assigned").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_take_turns(personas):
    if connection.vendor != "postgresql":
        pytest.skip("runs when the suite runs on PostgreSQL (row locks)")
    # given four candidates and eight customers arriving at once
    reps = [personas["rep1"], personas["rep2"], personas["rep3"], personas["follower1"]]
    make_rule(*reps)

    def work(_i):
        with transaction.atomic():
            return assign_owner("crm.customer", actor=personas["admin"]).username

    # when
    results = race(work, 8)

    # then each candidate got exactly two: nobody read the same turn twice
    assert all(outcome == "ok" for outcome, _value in results), results
    assert sorted(value for _outcome, value in results) == sorted([r.username for r in reps] * 2)
