"""The task pages, the record pages' open tasks, and the notification bell.

Alice (rep1) and Bob (rep2) sell in East, Carol (rep3) in North; Mia (manager1) leads Sales
above both teams. It is Monday 24 November 2025, 10:00 in Shanghai.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gendan.automation import services
from gendan.automation.models import Notification, Task, TaskPriority, TaskSource, TaskStatus
from gendan.core.models import Event
from gendan.fulfillment.services import shipment_create
from gendan.sales.services import order_submit
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true"}


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


NOW = at(2025, 11, 24, 10, 0)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def make_task(assignee, title="Call back", *, due=None, related=None, actor=None, **kwargs) -> Task:
    return services.task_create(actor=actor, title=title, assignee=assignee, due_at=due, related=related, **kwargs)


def logged_in(client, user):
    """Logged in, reading pages in English: the tests assert the source wording."""
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def record_tasks_card(html: str) -> str:
    return html.split('data-testid="record-tasks"', 1)[1].split("</div></div>", 1)[0]


def queries_of_get(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def titles(tasks) -> list[str]:
    return [task.title for task in tasks]


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/tasks/",
        "/tasks/new/",
        "/tasks/calendar/",
        "/tasks/team/",
        "/tasks/1/",
        "/notifications/",
        "/notifications/bell/",
        "/notifications/menu/",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_colleagues_task_is_not_found_and_cannot_be_acted_on(client, personas):
    # given a task of Alice's
    task = make_task(personas["rep1"], due=at(2025, 11, 24, 15, 0))
    client = logged_in(client, personas["rep2"])

    # when her teammate, and warehouse staff who see every order, try it
    pages = [client.get(f"/tasks/{task.pk}/").status_code]
    posts = [
        client.post(f"/tasks/{task.pk}/complete/").status_code,
        client.post(f"/tasks/{task.pk}/snooze/", {"preset": "1h"}).status_code,
        client.post(f"/tasks/{task.pk}/reassign/", {"assignee": personas["rep2"].pk, "reason": "mine"}).status_code,
    ]
    pages.append(logged_in(client, personas["warehouse1"]).get(f"/tasks/{task.pk}/").status_code)

    # then nothing reveals or changes it
    assert pages == [404, 404]
    assert posts == [404, 404, 404]
    task.refresh_from_db()
    assert (task.status, task.assignee, task.due_at) == (TaskStatus.OPEN, personas["rep1"], at(2025, 11, 24, 15, 0))


def test_a_leader_opens_a_team_members_task(client, personas):
    task = make_task(personas["rep3"], "Visit Carol's customer")

    response = logged_in(client, personas["manager1"]).get(f"/tasks/{task.pk}/")

    assert response.status_code == 200
    assert "Visit Carol&#x27;s customer" in response.content.decode()


# --- my tasks ----------------------------------------------------------------------------------


def test_my_tasks_groups_open_tasks_into_overdue_today_and_upcoming(client, personas):
    # given Alice's tasks due yesterday, this afternoon, tomorrow and whenever; one done; one of Bob's
    rep = personas["rep1"]
    make_task(rep, "Upcoming", due=at(2025, 11, 25, 9, 0))
    make_task(rep, "Someday")
    make_task(rep, "This afternoon", due=at(2025, 11, 24, 15, 0))
    make_task(rep, "Late since yesterday", due=at(2025, 11, 23, 17, 0))
    make_task(rep, "Late this morning", due=at(2025, 11, 24, 9, 30))
    make_task(rep, "Tonight", due=at(2025, 11, 24, 23, 59))
    done = make_task(rep, "Done already", due=at(2025, 11, 24, 11, 0))
    services.task_complete(task=done, actor=rep)
    make_task(personas["rep2"], "Bob's own", due=at(2025, 11, 24, 11, 0))

    # when
    response = logged_in(client, rep).get(reverse("automation:my_tasks"))

    # then
    groups = response.context["groups"]
    assert titles(groups.overdue) == ["Late since yesterday", "Late this morning"]
    assert titles(groups.today) == ["This afternoon", "Tonight"]
    assert titles(groups.upcoming) == ["Upcoming", "Someday"]
    html = response.content.decode()
    assert 'data-testid="tasks-overdue"' in html
    assert "Bob&#x27;s own" not in html and "Done already" not in html


def test_today_is_the_users_own_day(client, personas):
    # given a rep working from New York, where it is still Sunday 23 November, 21:00
    rep = personas["rep1"]
    rep.time_zone = "America/New_York"
    rep.save()
    make_task(rep, "Before midnight in New York", due=at(2025, 11, 24, 12, 0))  # 23:00 in New York
    make_task(rep, "Monday morning in New York", due=at(2025, 11, 24, 20, 0))  # 07:00 on Monday there

    groups = logged_in(client, rep).get(reverse("automation:my_tasks")).context["groups"]

    assert titles(groups.today) == ["Before midnight in New York"]
    assert titles(groups.upcoming) == ["Monday morning in New York"]


def test_each_task_links_to_its_record_source_priority_and_escalation(client, personas, english):
    # given tasks about a customer, an order and a shipment (whose page is its order's)
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = order_submit(order=draft_order(rep, products), actor=rep)
    shipment = shipment_create(order=order, actor=personas["warehouse1"])
    on_customer = make_task(rep, "Call the buyer", related=order.customer, due=at(2025, 11, 24, 12, 0))
    make_task(rep, "Chase the approval", related=order, priority=TaskPriority.URGENT, source=TaskSource.SYSTEM)
    make_task(rep, "Check the delivery", related=shipment)
    Task.objects.filter(pk=on_customer.pk).update(escalation_level=2)

    # when
    response = logged_in(client, rep).get(reverse("automation:my_tasks"))

    # then
    tasks = {t.title: t for t in response.context["groups"].today + response.context["groups"].upcoming}
    assert tasks["Call the buyer"].record_url == f"/customers/{order.customer_id}/"
    assert tasks["Chase the approval"].record_url == f"/orders/{order.pk}/"
    assert tasks["Check the delivery"].record_url == f"/orders/{order.pk}/"
    html = response.content.decode()
    assert f'href="/orders/{order.pk}/" data-testid="task-record"' in html
    assert "Escalated ×2" in html
    assert ">Urgent<" in html and ">System<" in html


def test_my_tasks_runs_the_same_queries_for_one_task_or_many(client, personas):
    # given
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = order_submit(order=draft_order(rep, products), actor=rep)
    shipment = shipment_create(order=order, actor=personas["warehouse1"])
    make_task(rep, "First", related=shipment, due=at(2025, 11, 24, 9, 0))
    client = logged_in(client, rep)
    client.get(reverse("automation:my_tasks"))  # warm the content-type cache
    with_one = queries_of_get(client, reverse("automation:my_tasks"))

    # when
    for n in range(5):
        make_task(rep, f"More {n}", related=[order, order.customer, shipment][n % 3], due=at(2025, 11, 25, 9, n))
    with_six = queries_of_get(client, reverse("automation:my_tasks"))

    # then: session, user, tasks, shipments' orders, the user's permissions (user's and groups'), departments led
    assert with_one == with_six == 7


# --- actions -----------------------------------------------------------------------------------


def test_completing_through_htmx_answers_the_row_and_records_it_on_the_orders_timeline(client, personas):
    # given
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products)
    task = make_task(rep, "Confirm the delivery address", related=order, due=at(2025, 11, 24, 12, 0))
    client = logged_in(client, rep)

    # when
    response = client.post(f"/tasks/{task.pk}/complete/", headers=HTMX)

    # then
    assert response.status_code == 200
    assert 'data-testid="task-done"' in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.completed_by, task.completed_at) == (TaskStatus.DONE, rep, NOW)
    order_page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "completed a task" in order_page
    completed = Event.objects.for_object(order).get(verb="task.completed")
    assert (completed.object_repr, completed.actor) == ("Confirm the delivery address", rep)


def test_completing_without_htmx_goes_back_where_the_user_was(client, personas):
    task = make_task(personas["rep1"], due=at(2025, 11, 24, 12, 0))

    response = logged_in(client, personas["rep1"]).post(f"/tasks/{task.pk}/complete/", {"next": "/tasks/"})

    assert (response.status_code, response["Location"]) == (302, "/tasks/")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_completing_a_done_task_is_refused_in_the_row(client, personas, english):
    rep = personas["rep1"]
    task = make_task(rep)
    services.task_complete(task=task, actor=rep)

    response = logged_in(client, rep).post(f"/tasks/{task.pk}/complete/", headers=HTMX)

    assert response.status_code == 200
    assert "This task is already Done." in response.content.decode()
    assert Event.objects.filter(verb="task.completed", object_id=task.pk).count() == 1


@pytest.mark.parametrize(
    ("preset", "expected"),
    [("1h", at(2025, 11, 24, 11, 0)), ("tomorrow", at(2025, 11, 25, 9, 0))],
)
def test_quick_snoozes(client, personas, preset, expected):
    task = make_task(personas["rep1"], due=at(2025, 11, 24, 9, 0))

    response = logged_in(client, personas["rep1"]).post(f"/tasks/{task.pk}/snooze/", {"preset": preset}, headers=HTMX)

    assert response.status_code == 200
    task.refresh_from_db()
    assert task.due_at == expected
    snoozed = Event.objects.get(verb="task.snoozed", object_id=task.pk)
    assert datetime.datetime.fromisoformat(snoozed.changes["due_at"][1]) == expected


def test_quick_snooze_until_tomorrow_is_nine_in_the_users_own_zone(client, personas):
    rep = personas["rep1"]
    rep.time_zone = "Europe/Berlin"
    rep.save()
    task = make_task(rep, due=at(2025, 11, 24, 9, 0))

    logged_in(client, rep).post(f"/tasks/{task.pk}/snooze/", {"preset": "tomorrow"}, headers=HTMX)

    task.refresh_from_db()
    assert task.due_at == datetime.datetime(2025, 11, 25, 9, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))


def test_snooze_to_a_chosen_time_reads_it_in_the_users_zone(client, personas):
    task = make_task(personas["rep1"], due=at(2025, 11, 24, 9, 0))
    client = logged_in(client, personas["rep1"])

    panel = client.get(f"/tasks/{task.pk}/snooze/", headers=HTMX)
    response = client.post(f"/tasks/{task.pk}/snooze/", {"until": "2025-11-26T14:30"}, headers=HTMX)

    assert 'data-testid="snooze-form"' in panel.content.decode()
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.due_at == at(2025, 11, 26, 14, 30)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"until": "2025-11-20T10:00"}, "Choose a time in the future."),
        ({"until": "not a time"}, "Enter a valid date/time."),
        ({"until": ""}, "This field is required."),
        ({"preset": "next-year"}, "Unknown snooze choice."),
    ],
)
def test_a_bad_snooze_is_shown_on_the_form_and_changes_nothing(client, personas, english, data, message):
    task = make_task(personas["rep1"], due=at(2025, 11, 24, 9, 0))
    client = logged_in(client, personas["rep1"])

    fragment = client.post(f"/tasks/{task.pk}/snooze/", data, headers=HTMX)
    page = client.post(f"/tasks/{task.pk}/snooze/", data)

    assert fragment.status_code == 200 and message in fragment.content.decode()
    assert page.status_code == 400 and message in page.content.decode()
    task.refresh_from_db()
    assert (task.due_at, task.version) == (at(2025, 11, 24, 9, 0), 1)
    assert not Event.objects.filter(verb="task.snoozed").exists()


def test_handing_over_needs_a_reason_and_an_active_colleague(client, personas, english):
    # given
    task = make_task(personas["rep1"], "Quote for 华东机械")
    personas["rep3"].is_active = False
    personas["rep3"].save()
    client = logged_in(client, personas["rep1"])

    # when
    no_reason = client.post(
        f"/tasks/{task.pk}/reassign/", {"assignee": personas["rep2"].pk, "reason": " "}, headers=HTMX
    )
    inactive = client.post(
        f"/tasks/{task.pk}/reassign/", {"assignee": personas["rep3"].pk, "reason": "x"}, headers=HTMX
    )

    # then
    assert "This field is required." in no_reason.content.decode()
    assert "Select a valid choice." in inactive.content.decode()
    task.refresh_from_db()
    assert task.assignee == personas["rep1"]
    assert not Event.objects.filter(verb="task.reassigned").exists()


def test_handing_over_moves_the_task_and_tells_the_new_assignee(client, personas):
    task = make_task(personas["rep1"], "Quote for 华东机械")

    response = logged_in(client, personas["rep1"]).post(
        f"/tasks/{task.pk}/reassign/", {"assignee": personas["rep2"].pk, "reason": "On leave this week"}, headers=HTMX
    )

    assert response.status_code == 200 and 'data-testid="task-done"' in response.content.decode()
    task.refresh_from_db()
    assert task.assignee == personas["rep2"]
    event = Event.objects.get(verb="task.reassigned", object_id=task.pk)
    assert (event.data["reason"], event.changes["assignee"]) == (
        "On leave this week",
        [personas["rep1"].pk, personas["rep2"].pk],
    )
    assert Notification.objects.filter(recipient=personas["rep2"], task=task, kind="task.assigned").count() == 1


def test_handing_over_from_the_detail_page_returns_to_my_tasks(client, personas, english):
    task = make_task(personas["rep1"], "Quote for 华东机械")
    client = logged_in(client, personas["rep1"])

    refused = client.post(f"/tasks/{task.pk}/reassign/", {"assignee": personas["rep2"].pk, "reason": ""})
    handed = client.post(f"/tasks/{task.pk}/reassign/", {"assignee": personas["rep2"].pk, "reason": "Bob knows them"})

    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    assert (handed.status_code, handed["Location"]) == (302, "/tasks/")
    task.refresh_from_db()
    assert task.assignee == personas["rep2"]


def test_the_detail_page_shows_the_task_and_its_timeline(client, personas, english):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products)
    task = make_task(rep, "Send the contract", related=order, due=at(2025, 11, 24, 9, 0), notes="Two copies")
    services.task_snooze(task=task, actor=rep, until=at(2025, 11, 24, 16, 0))

    response = logged_in(client, rep).get(f"/tasks/{task.pk}/")

    html = response.content.decode()
    assert [e.verb for e in response.context["events"]] == ["task.snoozed", "task.created"]
    assert "snoozed a task" in html and "created a task" in html
    assert f'href="/orders/{order.pk}/" data-testid="task-record"' in html
    assert "Two copies" in html and "2025-11-24 16:00" in html


# --- create by hand ----------------------------------------------------------------------------


def test_a_task_added_from_an_order_page_is_about_that_order(client, personas):
    # given
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products)
    client = logged_in(client, rep)

    # when
    form = client.get(f"/tasks/new/?order={order.pk}")
    response = client.post(
        f"/tasks/new/?order={order.pk}",
        {
            "title": "Ask for the PO",
            "notes": "",
            "assignee": personas["follower1"].pk,
            "due_at": "2025-11-25T10:00",
            "priority": "high",
            "order": order.pk,
        },
    )

    # then
    assert order.number in form.content.decode()
    assert (response.status_code, response["Location"]) == (302, f"/orders/{order.pk}/")
    task = Task.objects.get(title="Ask for the PO")
    assert (task.assignee, task.created_by, task.due_at, task.priority, task.source) == (
        personas["follower1"],
        rep,
        at(2025, 11, 25, 10, 0),
        TaskPriority.HIGH,
        TaskSource.PERSON,
    )
    assert (task.content_type.model, task.object_id, task.object_repr) == ("order", order.pk, order.number)
    # the one who asked can follow it up
    assert client.get(f"/tasks/{task.pk}/").status_code == 200


def test_a_task_cannot_be_attached_to_a_record_out_of_sight(client, personas):
    theirs = customer_ready_to_order(personas["rep3"])
    client = logged_in(client, personas["rep1"])

    page = client.get(f"/tasks/new/?customer={theirs.pk}")
    posted = client.post(
        "/tasks/new/", {"title": "Sneak", "assignee": personas["rep1"].pk, "priority": "normal", "customer": theirs.pk}
    )

    assert page.status_code == 404
    assert posted.status_code == 200
    assert not Task.objects.filter(title="Sneak").exists()


def test_a_task_needs_a_title(client, personas, english):
    response = logged_in(client, personas["rep1"]).post(
        "/tasks/new/", {"title": "", "assignee": personas["rep1"].pk, "priority": "normal"}
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Task.objects.exists()


# --- record pages ------------------------------------------------------------------------------


def test_record_pages_show_their_open_tasks_with_links_only_to_tasks_the_viewer_may_open(client, personas):
    # given Alice's order with her task, a task of the warehouse's, and a done one
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products)
    mine = make_task(rep, "Mine to do", related=order, due=at(2025, 11, 24, 9, 0))
    theirs = make_task(personas["warehouse1"], "Warehouse to do", related=order)
    done = make_task(rep, "Already done", related=order)
    services.task_complete(task=done, actor=rep)
    make_task(rep, "About the customer", related=order.customer)

    # when
    html = record_tasks_card(logged_in(client, rep).get(f"/orders/{order.pk}/").content.decode())

    # then
    assert f'<a href="/tasks/{mine.pk}/">Mine to do</a>' in html
    assert "Warehouse to do" in html and f"/tasks/{theirs.pk}/" not in html
    assert "Already done" not in html and "About the customer" not in html
    assert f'href="/tasks/new/?order={order.pk}"' in html


def test_the_customer_page_lists_the_customers_tasks(client, personas):
    rep = personas["rep1"]
    customer = customer_ready_to_order(rep)
    make_task(rep, "Call about the renewal", related=customer)

    html = record_tasks_card(logged_in(client, rep).get(f"/customers/{customer.pk}/").content.decode())

    assert "Call about the renewal" in html
    assert f'href="/tasks/new/?customer={customer.pk}"' in html


# --- calendar ----------------------------------------------------------------------------------


def test_the_month_calendar_places_tasks_on_their_local_day(client, personas):
    # given
    rep = personas["rep1"]
    make_task(rep, "Early on the 3rd", due=at(2025, 11, 3, 0, 30))
    make_task(rep, "End of month", due=at(2025, 11, 30, 23, 0))
    make_task(rep, "Next month", due=at(2025, 12, 1, 0, 0))
    make_task(personas["rep2"], "Bob's", due=at(2025, 11, 10, 9, 0))

    # when
    response = logged_in(client, rep).get("/tasks/calendar/")

    # then: 27 October to 30 November, five weeks of Monday to Sunday
    weeks = response.context["weeks"]
    assert [len(week) for week in weeks] == [7] * 5
    assert (weeks[0][0]["date"], weeks[-1][-1]["date"]) == (datetime.date(2025, 10, 27), datetime.date(2025, 11, 30))
    by_day = {cell["date"]: titles(cell["tasks"]) for week in weeks for cell in week if cell["tasks"]}
    assert by_day == {datetime.date(2025, 11, 3): ["Early on the 3rd"], datetime.date(2025, 11, 30): ["End of month"]}
    assert (response.context["previous"], response.context["following"]) == (
        datetime.date(2025, 10, 1),
        datetime.date(2025, 12, 1),
    )
    assert weeks[4][0]["today"] and weeks[0][0]["outside"]


def test_the_week_calendar_and_its_navigation(client, personas):
    rep = personas["rep1"]
    make_task(rep, "Wednesday call", due=at(2025, 12, 3, 14, 0))
    client = logged_in(client, rep)

    response = client.get("/tasks/calendar/?view=week&date=2025-12-04")
    bad_date = client.get("/tasks/calendar/?view=week&date=yesterday")

    (week,) = response.context["weeks"]
    assert [cell["date"] for cell in week] == [datetime.date(2025, 12, day) for day in range(1, 8)]
    assert titles(week[2]["tasks"]) == ["Wednesday call"]
    assert (response.context["previous"], response.context["following"]) == (
        datetime.date(2025, 11, 24),
        datetime.date(2025, 12, 8),
    )
    assert bad_date.context["weeks"][0][0]["date"] == datetime.date(2025, 11, 24)


# --- team --------------------------------------------------------------------------------------


def test_the_team_view_groups_open_tasks_by_person_with_overdue_counts(client, personas):
    # given
    make_task(personas["rep1"], "A1 late", due=at(2025, 11, 23, 9, 0))
    make_task(personas["rep1"], "A2 late", due=at(2025, 11, 24, 8, 0))
    make_task(personas["rep1"], "A3", due=at(2025, 11, 25, 8, 0))
    make_task(personas["rep3"], "C1 late", due=at(2025, 11, 20, 8, 0))
    make_task(personas["rep2"], "B1")
    make_task(personas["warehouse1"], "W1 late", due=at(2025, 11, 20, 8, 0))

    # when
    response = logged_in(client, personas["manager1"]).get("/tasks/team/")

    # then: the sales department and every team below it, most overdue first; not operations
    people = [(p.person.username, titles(p.tasks), p.overdue) for p in response.context["people"]]
    assert people == [
        ("rep1", ["A1 late", "A2 late", "A3"], 2),
        ("rep3", ["C1 late"], 1),
        ("rep2", ["B1"], 0),
    ]
    assert response.context["overdue_total"] == 3


def test_the_team_view_lists_each_persons_most_urgent_few_and_counts_the_rest(
    client, personas, monkeypatch, django_assert_max_num_queries
):
    from gendan.automation import selectors_tasks

    monkeypatch.setattr(selectors_tasks, "TEAM_TASKS_SHOWN", 2)
    for day in (24, 20, 22, 26):
        make_task(personas["rep1"], f"A{day}", due=at(2025, 11, day, 9, 0))
    make_task(personas["rep3"], "C1")
    client = logged_in(client, personas["manager1"])
    client.get("/tasks/team/")

    with django_assert_max_num_queries(13):
        response = client.get("/tasks/team/")

    rep1, rep3 = response.context["people"]
    assert (titles(rep1.tasks), rep1.open, rep1.overdue, rep1.more) == (["A20", "A22"], 4, 3, 2)
    assert (titles(rep3.tasks), rep3.open, rep3.more) == (["C1"], 1, 0)
    more = response.content.decode().split('data-testid="team-more"')[1].split("</p>")[0]
    assert "and 2 more open tasks" in more and f"stage=tasks&amp;person={personas['rep1'].pk}" in more


def test_the_team_view_pages_its_people_and_sums_up_everyone(client, personas, monkeypatch):
    from gendan.automation import views_tasks

    monkeypatch.setattr(views_tasks, "TEAM_PEOPLE_PER_PAGE", 1)
    make_task(personas["rep1"], "A1 late", due=at(2025, 11, 23, 9, 0))
    make_task(personas["rep3"], "C1")
    client = logged_in(client, personas["manager1"])

    first, second = client.get("/tasks/team/"), client.get("/tasks/team/", {"page": 2})

    assert [p.person.username for p in first.context["people"]] == ["rep1"]
    assert [p.person.username for p in second.context["people"]] == ["rep3"]
    summary = second.content.decode().split('data-testid="team-summary"')[1].split("</div>\n</div>")[0]
    assert f'href="?page=1#person-{personas["rep1"].pk}"' in summary
    assert f'href="?page=2#person-{personas["rep3"].pk}"' in summary
    assert second.context["overdue_total"] == 1


def test_a_team_leader_without_the_permission_sees_only_their_team(client, personas):
    east = personas["rep2"].department
    east.leader = personas["rep2"]
    east.save()
    make_task(personas["rep1"], "Alice's")
    make_task(personas["rep3"], "Carol's")

    response = logged_in(client, personas["rep2"]).get("/tasks/team/")

    assert [p.person.username for p in response.context["people"]] == ["rep1"]


def test_people_who_lead_nobody_have_no_team_view(client, personas):
    response = logged_in(client, personas["rep1"]).get("/tasks/team/")
    tasks_page = client.get("/tasks/").content.decode()

    assert response.status_code == 403
    assert 'data-testid="team-tab"' not in tasks_page


# --- notifications -----------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_in_three_queries(client, personas, django_assert_num_queries):
    rep = personas["rep1"]
    for n in range(3):
        make_task(rep, f"Task {n}")
    make_task(personas["rep2"], "Not Alice's")
    client = logged_in(client, rep)
    Notification.objects.filter(recipient=rep, task__title="Task 0").update(read_at=NOW)

    # session, user, count
    with django_assert_num_queries(3):
        response = client.get("/notifications/bell/", headers=HTMX)

    assert '<span class="position-absolute' in response.content.decode()
    assert response.content.decode().count(">2<") == 1


def test_the_bell_is_empty_without_unread_notices(client, personas):
    response = logged_in(client, personas["rep1"]).get("/notifications/bell/", headers=HTMX)

    assert response.content.decode().strip() == ""


def test_every_page_polls_the_bell(client, personas):
    html = logged_in(client, personas["rep1"]).get("/").content.decode()

    assert 'hx-get="/notifications/bell/" hx-trigger="load, every 30s, focus from:window"' in html


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, personas, english):
    task = make_task(personas["rep1"], "Call back")
    notification = Notification.objects.get(recipient=personas["rep1"], task=task)
    client = logged_in(client, personas["rep1"])

    menu = client.get("/notifications/menu/", headers=HTMX).content.decode()
    response = client.post(f"/notifications/{notification.pk}/open/")

    assert "New task: Call back" in menu
    assert (response.status_code, response["Location"]) == (302, f"/tasks/{task.pk}/")
    notification.refresh_from_db()
    assert notification.read_at == NOW


def test_a_notification_pointing_off_site_opens_the_list_instead(client, personas):
    notification = services.notification_create(
        recipient=personas["rep1"], kind="rule", title="Look", url="https://evil.example/"
    )

    response = logged_in(client, personas["rep1"]).post(f"/notifications/{notification.pk}/open/")

    assert response["Location"] == "/notifications/"


def test_notifications_are_their_recipients_only(client, personas, english):
    make_task(personas["rep1"], "Alice's")
    bobs = Notification.objects.get(task=make_task(personas["rep2"], "Bob's"))
    client = logged_in(client, personas["rep1"])

    listed = client.get("/notifications/")
    opened = client.post(f"/notifications/{bobs.pk}/open/")
    marked = client.post("/notifications/read/", {"id": bobs.pk})

    assert [n.title for n in listed.context["page_obj"]] == ["New task: Alice's"]
    assert opened.status_code == 404
    assert marked.status_code == 302
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_marking_one_read_through_htmx_and_then_all(client, personas):
    rep = personas["rep1"]
    first, second, third = (Notification.objects.get(task=make_task(rep, f"T{n}")) for n in range(3))
    client = logged_in(client, rep)

    fragment = client.post("/notifications/read/", {"id": first.pk}, headers=HTMX)
    everything = client.post("/notifications/read/", {"all": "1"})
    bad = client.post("/notifications/read/", {"id": "x"})

    assert fragment.status_code == 200 and "bi-envelope-open" in fragment.content.decode()
    assert everything.status_code == 302 and bad.status_code == 302
    assert Notification.objects.filter(recipient=rep, read_at__isnull=True).count() == 0
