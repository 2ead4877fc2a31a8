"""Automation in a browser: a rule fires, the bell shows it, the rep completes the task."""

import datetime

import pytest
from django.utils import timezone, translation

from gendan.automation import services
from gendan.automation.models import Notification, Rule, RuleTrigger, Task, TaskSource, TaskStatus
from gendan.core import verbs
from gendan.core.models import Event
from gendan.sales.models import OrderStatus
from tests.backbone import draft_order, stocked_products

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def expect_bell(page, text):
    """Wait for the bell's count to read `text` ("" for no count)."""
    page.wait_for_function(
        "(text) => (document.querySelector('[data-testid=bell-count]')?.firstChild?.textContent.trim() ?? '') === text",
        arg=text,
    )


def test_a_rule_fires_the_bell_shows_it_and_the_rep_completes_the_task(live_server, personas, new_page, shot):
    # given: a rule giving the order's owner a call-back task when an order is submitted,
    # and Alice's draft order for 3 valves
    Rule.objects.create(
        name="下单后电话确认交期",
        trigger=RuleTrigger.EVENT,
        target_model="sales.order",
        event_verb="order.submitted",
        actions=[
            {
                "type": "create_task",
                "assignee": "owner",
                "title": "致电{customer}确认{number}的交期",
                "due_in_hours": 4,
                "priority": "high",
            }
        ],
    )
    _warehouse, products = stocked_products(1, name="不锈钢阀门")
    order = draft_order(personas["rep1"], products, quantities=["3"])
    url = live_server.url

    # when Alice submits the order in the browser
    rep = new_page()
    log_in(rep, url, "rep1", "pw-rep1")
    expect_bell(rep, "")
    rep.goto(f"{url}/orders/{order.pk}/")
    rep.click("[data-action=submit]")
    rep.wait_for_function(
        "(text) => document.querySelector('[data-testid=order-status]')?.textContent.trim() === text",
        arg=zh(OrderStatus.CONFIRMED.label),
    )

    # then the rule gave her a task, and the bell says so without her doing anything
    task = Task.objects.get()
    assert (task.assignee, task.source, task.status, task.priority) == (
        personas["rep1"],
        TaskSource.RULE,
        "open",
        "high",
    )
    assert task.title == f"致电{order.customer.name}确认{order.number}的交期"
    expect_bell(rep, "1")
    shot(rep, "bell-shows-the-new-task")
    assert rep.locator("[data-testid=record-task]").count() == 1
    assert task.title in rep.text_content("[data-testid=record-tasks]")

    # ... her task list shows it, on a phone as well
    phone = new_page(width=390, height=844)
    log_in(phone, url, "rep1", "pw-rep1")
    phone.goto(f"{url}/tasks/")
    assert phone.text_content("[data-testid=task-title]").strip() == task.title
    shot(phone, "my-tasks-phone")

    # when she opens the notice from the bell
    rep.click("[data-testid=bell]")
    rep.wait_for_selector("[data-testid=bell-item]")
    shot(rep, "bell-open")
    rep.click("[data-testid=bell-item]")
    rep.wait_for_url(f"{url}/tasks/{task.pk}/")
    shot(rep, "task-detail")
    assert Notification.objects.get(task=task).read_at is not None
    expect_bell(rep, "")

    # ... and completes the task
    rep.click("[data-testid=complete-task]")
    rep.wait_for_function(
        "(text) => document.querySelector('[data-testid=task-status]')?.textContent.trim() === text",
        arg=zh(TaskStatus.DONE.label),
    )
    shot(rep, "task-done")

    # then the task is done, and the order's timeline says so
    task.refresh_from_db()
    assert (task.status, task.completed_by) == (TaskStatus.DONE, personas["rep1"])
    completed = Event.objects.for_object(order).get(verb="task.completed")
    assert (completed.actor, completed.object_repr) == (personas["rep1"], task.title)
    rep.goto(f"{url}/orders/{order.pk}/")
    timeline = rep.text_content("[data-testid=timeline]")
    assert zh(verbs.get("task.completed").activity) in timeline and task.title in timeline
    assert rep.locator("[data-testid=record-task]").count() == 0
    shot(rep, "order-timeline-shows-the-task")
    rep.goto(f"{url}/tasks/calendar/")
    assert rep.locator("[data-testid=calendar-task]").count() == 1
    shot(rep, "calendar")

    # and the task pages read well on a phone
    phone.goto(f"{url}/tasks/{task.pk}/")
    shot(phone, "task-done-phone")
    phone.goto(f"{url}/tasks/calendar/")
    shot(phone, "calendar-phone")
    phone.goto(f"{url}/notifications/")
    shot(phone, "notifications-phone")


def test_snooze_hand_over_and_complete_in_place_on_a_phone(live_server, personas, new_page, shot):
    # given three of Alice's tasks: one overdue, one due soon, one next week
    rep = personas["rep1"]
    now = timezone.now()
    late = services.task_create(
        actor=None, title="回访杭州恒远", assignee=rep, due_at=now - datetime.timedelta(hours=3)
    )
    soon = services.task_create(
        actor=personas["manager1"], title="准备报价单", assignee=rep, due_at=now + datetime.timedelta(minutes=5)
    )
    later = services.task_create(actor=None, title="寄送样品", assignee=rep, due_at=now + datetime.timedelta(days=7))
    url = live_server.url
    phone = new_page(width=390, height=844)
    log_in(phone, url, "rep1", "pw-rep1")
    phone.goto(f"{url}/tasks/")
    shot(phone, "my-tasks")

    # when she snoozes the overdue one by an hour
    row = phone.locator(f"#task-{late.pk}")
    row.locator("[data-testid=task-more]").click()
    row.locator("[data-testid=snooze-1h]").click()
    phone.wait_for_selector(f"#task-{late.pk} [data-testid=task-done]")

    # ... hands the second over to Bob, first forgetting the reason
    row = phone.locator(f"#task-{soon.pk}")
    row.locator("[data-testid=task-more]").click()
    row.locator("[data-testid=reassign]").click()
    phone.wait_for_selector(f"#task-{soon.pk} [data-testid=reassign-form]")
    phone.locator(f"#task-{soon.pk} input[data-lookup-ready] + input, #task-{soon.pk} [role=combobox]").first.fill(
        "rep2"
    )
    phone.locator(f"#task-{soon.pk} .lookup-menu [data-id='{personas['rep2'].pk}']").click()
    phone.click(f"#task-{soon.pk} [data-testid=reassign-submit]")
    phone.wait_for_selector(f"#task-{soon.pk} .invalid-feedback")
    shot(phone, "hand-over-needs-a-reason")
    phone.fill(f"#task-{soon.pk} input[name=reason]", "本周出差")
    phone.click(f"#task-{soon.pk} [data-testid=reassign-submit]")
    phone.wait_for_selector(f"#task-{soon.pk} [data-testid=task-done]")

    # ... and completes the third
    phone.click(f"#task-{later.pk} [data-testid=complete-task]")
    phone.wait_for_selector(f"#task-{later.pk} [data-testid=task-done]")
    shot(phone, "after-actions")

    # then each happened once, without a page load
    for task in (late, soon, later):
        task.refresh_from_db()
    assert late.due_at > now and late.status == TaskStatus.OPEN
    assert (soon.assignee, soon.status) == (personas["rep2"], TaskStatus.OPEN)
    assert Event.objects.get(verb="task.reassigned").data["reason"] == "本周出差"
    assert later.status == TaskStatus.DONE

    # and her manager sees the team's tasks, by person, also on a phone
    manager = new_page(width=390, height=844)
    log_in(manager, url, "manager1", "pw-manager1")
    manager.goto(f"{url}/tasks/team/")
    people = manager.locator("[data-testid=team-person]")
    assert people.count() == 2
    shot(manager, "team-phone")
    manager.goto(f"{url}/tasks/calendar/?view=week")
    shot(manager, "week-phone")
    manager.goto(f"{url}/tasks/new/")
    shot(manager, "new-task-phone")
