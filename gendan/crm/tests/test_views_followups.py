"""Follow-up and meeting pages: quick entry on the customer page (HTMX and plain), lists, a meeting's page."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from gendan.automation.models import Task
from gendan.core.models import Event
from gendan.crm.models import FollowUp, Meeting
from gendan.crm.services_followups import followup_create, meeting_schedule
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2025, 3, 3, 10, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def logged_in(client, user):
    client.force_login(user)
    return client


def followup_post(**overrides):
    data = {
        "followup-kind": "visit",
        "followup-notes": "上门拜访，客户对新款设备有兴趣。",
        "followup-outcome": "要求报价",
        "followup-contact": "",
        "followup-occurred_at": "",
        "followup-next_followup_on": "2025-03-07",
    }
    data.update(overrides)
    return data


# --- quick entry on the customer page ------------------------------------------------------------


def test_the_customer_page_offers_quick_entry_and_lists_follow_ups_and_meetings(client, personas):
    customer = customer_ready_to_order(personas["rep1"])
    followup_create(customer=customer, actor=personas["rep1"], notes="电话确认需求", outcome="下周拜访")
    meeting_schedule(
        customer=customer, actor=personas["rep1"], title="产品演示", starts_at=NOW + datetime.timedelta(days=2)
    )

    response = logged_in(client, personas["rep1"]).get(reverse("crm:customer_detail", args=[customer.pk]))

    content = response.content.decode()
    assert 'data-testid="followup-form"' in content and 'name="followup-kind"' in content
    assert "电话确认需求" in content and "下周拜访" in content
    assert "last 0\xa0minutes ago" in content
    assert "产品演示" in content and reverse("crm:meeting_create", args=[customer.pk]) in content
    assert [e.verb for e in response.context["events"]] == ["meeting.scheduled", "followup.created"]


def test_a_follow_up_entered_with_htmx_replaces_the_card_the_timeline_and_the_tasks(client, personas):
    customer = customer_ready_to_order(personas["rep1"])

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:followup_add", args=[customer.pk]), followup_post(), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    followup = FollowUp.objects.get()
    assert (followup.kind, followup.occurred_at, followup.author, followup.next_followup_on) == (
        "visit",
        NOW,
        personas["rep1"],
        datetime.date(2025, 3, 7),
    )
    content = response.content.decode()
    assert content.startswith('\n<div class="card mb-3" id="followups"') or 'id="followups"' in content
    assert "Follow-up recorded." in content and "上门拜访" in content
    assert '<div id="timeline" hx-swap-oob="true">' in content
    assert '<div id="customer-tasks" hx-swap-oob="true">' in content
    assert f"Follow up with {customer.name}" in content  # the task for the next follow-up date
    assert Task.objects.get().assignee == personas["rep1"]


def test_without_htmx_the_page_redirects_back_to_the_follow_ups(client, personas):
    customer = customer_ready_to_order(personas["rep1"])

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:followup_add", args=[customer.pk]), followup_post(**{"followup-next_followup_on": ""})
    )

    assert response.status_code == 302
    assert response.url == reverse("crm:customer_detail", args=[customer.pk]) + "#followups"
    assert FollowUp.objects.count() == 1 and not Task.objects.exists()


def test_bad_input_shows_its_errors_in_the_card_and_saves_nothing(client, personas):
    customer = customer_ready_to_order(personas["rep1"])

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:followup_add", args=[customer.pk]),
        followup_post(**{"followup-notes": "", "followup-occurred_at": "2025-03-04T09:00"}),
        HTTP_HX_REQUEST="true",
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in content  # the notes, from the form
    assert 'class="collapse show' in content  # the form stays open
    assert not FollowUp.objects.exists() and not Event.objects.exists()


def test_a_time_still_to_come_is_refused_by_the_service_on_its_field(client, personas):
    customer = customer_ready_to_order(personas["rep1"])

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:followup_add", args=[customer.pk]),
        followup_post(**{"followup-occurred_at": "2025-03-04T09:00"}),
        HTTP_HX_REQUEST="true",
    )

    assert "this time is still to come" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_quick_entry_is_refused_out_of_scope_and_without_the_permission(client, personas):
    customer = customer_ready_to_order(personas["rep1"])
    url = reverse("crm:followup_add", args=[customer.pk])

    assert logged_in(client, personas["rep2"]).post(url, followup_post()).status_code == 404
    assert logged_in(client, personas["warehouse1"]).post(url, followup_post()).status_code == 403
    assert not FollowUp.objects.exists()


# --- lists -------------------------------------------------------------------------------------


def test_the_follow_up_list_shows_only_the_customers_in_scope(client, personas):
    mine = customer_ready_to_order(personas["rep1"], name="我的客户")
    theirs = customer_ready_to_order(personas["rep2"], name="同事的客户")
    followup_create(customer=mine, actor=personas["rep1"], notes="我的跟进")
    followup_create(customer=theirs, actor=personas["rep2"], notes="同事的跟进")

    response = logged_in(client, personas["rep1"]).get(reverse("crm:followup_list"))
    by_customer = client.get(reverse("crm:followup_list"), {"customer": theirs.pk})

    assert [f.notes for f in response.context["page_obj"]] == ["我的跟进"]
    assert "author" not in response.context["filter"].form.fields  # a rep has nobody else to choose
    assert list(by_customer.context["page_obj"]) == []


@pytest.mark.parametrize("count", [1, 10])
def test_the_follow_up_list_query_count_does_not_grow_with_rows(client, personas, django_assert_num_queries, count):
    customer = customer_ready_to_order(personas["rep1"])
    for index in range(count):
        followup_create(customer=customer, actor=personas["rep1"], notes=f"跟进{index}")
    client = logged_in(client, personas["manager1"])

    # session, user, 2 for the permission check, the manager's department and 2 levels of sub-teams,
    # count, page rows (with customer, author, contact); authors are looked up as people type
    with django_assert_num_queries(9):
        response = client.get(reverse("crm:followup_list"))

    assert len(response.context["page_obj"]) == count


@pytest.mark.parametrize("count", [1, 10])
def test_the_meeting_list_shows_whats_coming_with_a_fixed_query_count(
    client, personas, django_assert_num_queries, count
):
    customer = customer_ready_to_order(personas["rep1"])
    for index in range(count):
        meeting_schedule(
            customer=customer, actor=personas["rep1"], title=f"会议{index}", starts_at=NOW + datetime.timedelta(days=1)
        )
    client = logged_in(client, personas["rep1"])

    # session, user, 2 for the permission check, count, page rows (with customer and owner)
    with django_assert_num_queries(6):
        response = client.get(reverse("crm:meeting_list"))

    assert len(response.context["page_obj"]) == count
    assert response.context["filter"].form["status"].value() == "planned"


# --- a meeting's page --------------------------------------------------------------------------


def meeting_post(**overrides):
    data = {
        "title": "技术交流",
        "starts_at": "2025-03-05T14:00",
        "duration_minutes": "90",
        "place": "客户会议室",
        "agenda": "介绍新产品线",
    }
    data.update(overrides)
    return data


def test_scheduling_a_meeting_from_the_customer_page(client, personas):
    customer = customer_ready_to_order(personas["rep1"])
    contact = customer.contacts.get()
    client = logged_in(client, personas["rep1"])

    form_page = client.get(reverse("crm:meeting_create", args=[customer.pk]))
    response = client.post(reverse("crm:meeting_create", args=[customer.pk]), meeting_post(contacts=[contact.pk]))

    assert "owner" not in form_page.context["form"].fields  # a rep leads their own meetings
    assert form_page.context["form"].initial["starts_at"] == datetime.datetime(2025, 3, 3, 11, tzinfo=SHANGHAI)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == reverse("crm:meeting_detail", args=[meeting.pk])
    assert (meeting.title, meeting.starts_at, meeting.duration_minutes, meeting.owner) == (
        "技术交流",
        datetime.datetime(2025, 3, 5, 14, tzinfo=SHANGHAI),
        90,
        personas["rep1"],
    )
    assert list(meeting.contacts.all()) == [contact]


def test_a_meeting_in_the_past_is_refused_on_its_field(client, personas):
    customer = customer_ready_to_order(personas["rep1"])

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:meeting_create", args=[customer.pk]), meeting_post(starts_at="2025-03-01T09:00")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "starts_at": ["Choose a time to come; record a meeting that took place as a follow-up."]
    }
    assert not Meeting.objects.exists()


@pytest.fixture
def meeting(personas):
    customer = customer_ready_to_order(personas["rep1"])
    return meeting_schedule(customer=customer, actor=personas["rep1"], title="产品演示", starts_at=NOW)


def test_the_meeting_page_holds_the_meeting_with_its_follow_up(client, personas, meeting):
    client = logged_in(client, personas["rep1"])
    page = client.get(reverse("crm:meeting_detail", args=[meeting.pk]))
    assert 'data-testid="hold-form"' in page.content.decode() and 'data-testid="cancel-form"' in page.content.decode()

    response = client.post(
        reverse("crm:meeting_hold", args=[meeting.pk]), {"hold-notes": "客户确认方案", "hold-outcome": "准备合同"}
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert (meeting.followup.kind, meeting.followup.notes) == ("meeting", "客户确认方案")
    page = client.get(reverse("crm:meeting_detail", args=[meeting.pk])).content.decode()
    assert 'data-testid="meeting-followup"' in page and 'data-testid="hold-form"' not in page


def test_cancelling_without_a_reason_shows_the_error(client, personas, meeting):
    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:meeting_cancel", args=[meeting.pk]), {"cancel-reason": ""}
    )

    assert response.status_code == 400
    assert response.context["cancel_form"].errors == {"reason": ["This field is required."]}
    assert Meeting.objects.get().status == "planned"


def test_a_stale_edit_is_refused_with_a_reload_link(client, personas, meeting):
    client = logged_in(client, personas["rep1"])
    client.post(reverse("crm:meeting_edit", args=[meeting.pk]), meeting_post(version="1", place="线上"))

    response = client.post(reverse("crm:meeting_edit", args=[meeting.pk]), meeting_post(version="1", place="客户处"))

    assert 'data-testid="stale-error"' in response.content.decode()
    assert Meeting.objects.get().place == "线上"


def test_a_meeting_out_of_scope_is_not_found(client, personas, meeting):
    client = logged_in(client, personas["rep2"])

    assert client.get(reverse("crm:meeting_detail", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("crm:meeting_cancel", args=[meeting.pk]), {"cancel-reason": "x"}).status_code == 404
    assert Meeting.objects.get().status == "planned"


def test_the_meeting_page_takes_a_fixed_number_of_queries(client, personas, meeting, django_assert_num_queries):
    client = logged_in(client, personas["rep1"])

    # session, user, 2 for the permission check, meeting (with customer, owner, follow-up), its contacts,
    # the contacts to choose when holding it, events
    with django_assert_num_queries(8):
        assert client.get(reverse("crm:meeting_detail", args=[meeting.pk])).status_code == 200
