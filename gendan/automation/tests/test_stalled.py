"""The leaders' "stalled items" page: what is overdue or untouched, by stage and by person, in scope."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from gendan.automation import services as automation_services
from gendan.finance.models import Invoice, InvoiceStatus
from tests.backbone import draft_order, stocked_products

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2025, 11, 20, 10, 0, tzinfo=SH)
URL = reverse("automation:stalled")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


def overdue_invoice(order, number, due):
    return Invoice.objects.create(
        number=number,
        order=order,
        customer=order.customer,
        status=InvoiceStatus.ISSUED,
        tax_rate=Decimal("13"),
        subtotal=Decimal("100"),
        tax_amount=Decimal("13"),
        total=Decimal("113"),
        due_date=due,
        created_by=order.owner,
        owner=order.owner,
    )


@pytest.fixture
def world(personas):
    """rep1: an order idle since 5 Nov and one late for its promised date; rep3 (North): an idle order;
    rep2: a fresh order touched yesterday by a task on it, and an overdue task; an overdue invoice."""
    _warehouse, products = stocked_products(1)
    with time_machine.travel(at(2025, 11, 5, 9, 0), tick=False):
        idle = draft_order(personas["rep1"], products)
        north = draft_order(personas["rep3"], products)
        touched = draft_order(personas["rep2"], products)
    with time_machine.travel(at(2025, 11, 19, 9, 0), tick=False):
        late = draft_order(personas["rep1"], products, promised_date=datetime.date(2025, 11, 18))
        draft_order(personas["rep2"], products)  # fresh, nothing wrong
        task = automation_services.task_create(
            actor=personas["manager1"],
            title="Chase the deposit",
            assignee=personas["rep2"],
            related=touched,
            due_at=at(2025, 11, 19, 12, 0),
        )
    invoice = overdue_invoice(late, "INV-1", datetime.date(2025, 11, 10))
    return {"idle": idle, "north": north, "touched": touched, "late": late, "task": task, "invoice": invoice}


def page(client, user, **params):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        return client.get(URL, params, headers={"accept-language": "en"})


def summary(response):
    return {
        stage.label: sorted(
            (item.label.split(" · ")[0], item.person.username, bool(item.overdue_since), bool(item.idle_since))
            for item in stage.items
        )
        for stage in response.context["review"].stages
    }


def items_of(response):
    return [item for stage in response.context["review"].stages for item in stage.items]


def test_a_manager_sees_everything_overdue_or_untouched_in_their_department(client, personas, world):
    response = page(client, personas["manager1"])

    assert response.status_code == 200
    w = world
    assert summary(response) == {
        "Orders · Draft": sorted(
            [
                (w["idle"].number, "rep1", False, True),
                (w["north"].number, "rep3", False, True),
                (w["late"].number, "rep1", True, False),
            ]
        ),
        "Tasks": [("Chase the deposit", "rep2", True, False)],
        "Invoices · Issued": [("INV-1", "rep1", True, False)],
    }
    review = response.context["review"]
    people = {c.person.username: (c.count, c.overdue, c.idle) for c in review.people}
    assert people == {"rep1": (3, 2, 1), "rep3": (1, 0, 1), "rep2": (1, 1, 0)}
    assert (review.overdue, review.idle, review.count) == (3, 2, 5)
    content = response.content.decode()
    assert content.count('data-testid="stalled-item"') == 5  # each item once, under its stage
    assert f'href="/orders/{w["idle"].pk}/"' in content
    assert f'href="?person={personas["rep1"].pk}&amp;days=7"' in content


def test_days_sets_how_long_untouched_counts_as_stalled(client, personas, world):
    response = page(client, personas["manager1"], days="20")

    assert response.context["days"] == 20
    assert response.context["review"].idle == 0
    assert page(client, personas["manager1"], days="abc").context["days"] == 7
    assert page(client, personas["manager1"], days="0").context["days"] == 1


def test_a_department_leader_sees_what_their_role_lets_them_see(client, personas, world):
    # rep2 leads East but is a rep: their own orders, and the tasks of their team
    east = personas["rep2"].department
    east.leader = personas["rep2"]
    east.save()

    response = page(client, personas["rep2"])

    assert response.status_code == 200
    assert summary(response) == {"Tasks": [("Chase the deposit", "rep2", True, False)]}


def test_reps_and_other_roles_are_refused_and_anonymous_sent_to_log_in(client, personas, world):
    for name in ("rep1", "follower1", "warehouse1", "finance1"):
        assert page(client, personas[name]).status_code == 403, name
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_executives_see_all_and_administrators_all_but_other_peoples_tasks(client, personas, world):
    # Tasks are scoped by Task.objects.visible_to: an administrator is not a leader of the reps' work.
    assert [i.kind for i in items_of(page(client, personas["boss1"]))].count("task") == 1
    assert len(items_of(page(client, personas["boss1"]))) == 5
    response = page(client, personas["admin"])
    assert response.status_code == 200
    assert sorted(i.kind for i in items_of(response)) == ["invoice", "order", "order", "order"]


def test_the_sidebar_links_the_page_for_reviewers_only(client, personas):
    client.force_login(personas["manager1"])
    assert 'data-testid="nav-stalled"' in client.get(reverse("core:home")).content.decode()
    client.force_login(personas["rep1"])
    assert 'data-testid="nav-stalled"' not in client.get(reverse("core:home")).content.decode()


def test_the_query_count_does_not_grow_with_the_items(client, personas, world, django_assert_num_queries):
    client.force_login(personas["manager1"])
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(QUERIES):
        client.get(URL)
    # when: twice as many stalled orders, tasks and invoices
    _warehouse, products = stocked_products(1, warehouse=world["idle"].warehouse)
    with time_machine.travel(at(2025, 11, 5, 9, 0), tick=False):
        more = [draft_order(personas[name], products) for name in ("rep1", "rep2", "rep3")]
    for i, order in enumerate(more):
        overdue_invoice(order, f"INV-X{i}", datetime.date(2025, 11, 1))
        with time_machine.travel(at(2025, 11, 5, 9, 0), tick=False):
            automation_services.task_create(
                actor=personas["manager1"], title=f"t{i}", assignee=order.owner, due_at=at(2025, 11, 6, 9, 0)
            )
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(QUERIES):
        response = client.get(URL, {"recount": "1"})
    assert response.context["review"].count == 5 + 9


def test_the_counts_are_kept_for_a_few_minutes_and_counted_again_on_request(
    client, personas, world, settings, django_assert_num_queries
):
    settings.STALLED_COUNTS_SECONDS = 300
    first = page(client, personas["manager1"])
    assert first.context["review"].count == 5
    assert "Counted at 10:00" in first.content.decode()
    _warehouse, products = stocked_products(1, warehouse=world["idle"].warehouse)
    with time_machine.travel(at(2025, 11, 5, 9, 0), tick=False):
        newly_idle = draft_order(personas["rep1"], products)

    # within the minutes the counts are kept: the same counts, three statements fewer
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(QUERIES - 3):
        kept = client.get(URL)
    assert kept.context["review"].count == 5
    assert kept.context["review"].counted_at == first.context["review"].counted_at
    # asked to count again, or another question (days, person): counted now
    recounted = page(client, personas["manager1"], recount="1")
    assert recounted.context["review"].count == 6
    assert newly_idle.number in {item.label.split(" · ")[0] for item in items_of(recounted)}
    assert page(client, personas["manager1"], days="8").context["review"].count == 6
    # another reviewer's counts are their own
    assert page(client, personas["boss1"]).context["review"].count >= 6


# Session and user (2); the review check and permissions (3); tasks: the Sales subtree (2 levels),
# counted by person, the first few, the departments led (5); orders: counted by person and by status,
# the first few of the one status present (3); invoices: counted by person, the first few (2); the
# people's names (1). The subtree is read once per request (accounts.scoping), not once per kind.
QUERIES = 18


def test_the_review_shows_the_longest_waiting_few_and_links_each_stage_to_its_whole_list(
    client, personas, world, settings
):
    _warehouse, products = stocked_products(1, warehouse=world["idle"].warehouse)
    with time_machine.travel(at(2025, 11, 4, 9, 0), tick=False):
        older = [draft_order(personas["rep1"], products) for _ in range(6)]

    response = page(client, personas["manager1"])

    drafts = next(stage for stage in response.context["review"].stages if stage.key == "orders:draft")
    assert drafts.count == 9 and len(drafts.items) == 5
    assert 'href="?stage=orders:draft&amp;days=7"' in response.content.decode()
    whole = page(client, personas["manager1"], stage="orders:draft")
    assert whole.context["page_obj"].paginator.count == 9
    numbers = [item.label.split(" · ")[0] for item in whole.context["items"]]
    # The late one (promised 18 Nov) first, then the untouched ones, the oldest first.
    assert numbers[0] == world["late"].number
    assert set(numbers) == {o.number for o in [*older, world["idle"], world["north"], world["late"]]}


def test_one_persons_review_and_list(client, personas, world):
    rep1 = personas["rep1"]

    response = page(client, personas["manager1"], person=str(rep1.pk))

    assert response.context["person"] == rep1
    assert {c.person.username for c in response.context["review"].people} == {"rep1"}
    assert {item.person.username for item in items_of(response)} == {"rep1"}
    listed = page(client, personas["manager1"], stage="orders:draft", person=str(rep1.pk))
    assert {item.label.split(" · ")[0] for item in listed.context["items"]} == {
        world["idle"].number,
        world["late"].number,
    }


@pytest.mark.parametrize("stage", ["nothing", "orders:closed", "orders:", "tasks:x"])
def test_an_unknown_stage_is_404(client, personas, world, stage):
    assert page(client, personas["manager1"], stage=stage).status_code == 404
