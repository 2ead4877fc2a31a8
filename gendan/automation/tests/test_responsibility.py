"""Responsibility per stage (COL-1): who answers for each stage of an order, and every handover kept."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gendan.automation.models import Notification, Responsibility
from gendan.automation.responsibility import responsibilities_of, responsibility_overview, responsibility_set
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.selectors import timeline_events
from tests.backbone import draft_order, stocked_products


@pytest.fixture
def order(personas):
    _warehouse, products = stocked_products(1)
    return draft_order(personas["rep1"], products)


def test_handovers_keep_the_history_and_show_on_the_timeline(personas, order, english):
    # given rep1 takes the confirmed stage, then hands it to the follower
    first = responsibility_set(record=order, stage="confirmed", user=personas["rep1"], actor=personas["rep1"])
    second = responsibility_set(
        record=order, stage="confirmed", user=personas["follower1"], actor=personas["rep1"], reason="On leave"
    )

    # then the first row ended when the second began, and only the second is current
    first.refresh_from_db()
    assert first.ended_at is not None and first.ended_at <= second.assigned_at
    assert second.ended_at is None
    assert [(r.stage, r.user.username, r.assigned_by.username, r.reason) for r in responsibilities_of(order)] == [
        ("confirmed", "rep1", "rep1", ""),
        ("confirmed", "follower1", "rep1", "On leave"),
    ]
    overview = responsibility_overview(order)
    assert {s["stage"]: s["current"] and s["current"].user.username for s in overview["stages"]} == {
        "draft": None,
        "pending_approval": None,
        "confirmed": "follower1",
        "shipped": None,
        "delivered": None,
        "closed": None,
    }
    assert [r.pk for r in overview["history"]] == [second.pk, first.pk]

    # and the order's timeline shows each handover, before and after
    handovers = [e for e in timeline_events(order) if e.verb == "responsibility.changed"]
    assert [(e.changes["user"], e.data["stage"], e.data["reason"]) for e in handovers] == [
        (["rep1", "follower1"], "confirmed", "On leave"),
        ([None, "rep1"], "confirmed", ""),
    ]
    assert handovers[0].data["from_user"] == personas["rep1"].pk
    assert handovers[0].data["to_user"] == personas["follower1"].pk

    # and the new person was told (taking a stage yourself tells nobody)
    notices = Notification.objects.filter(kind="responsibility.assigned")
    assert [(n.recipient.username, n.title, n.body, n.url) for n in notices] == [
        (
            "follower1",
            f"You are now responsible for Confirmed of {order.number}",
            "On leave",
            f"/orders/{order.pk}/",
        )
    ]


def test_the_person_responsible_may_hand_over_without_edit_rights(personas, order):
    # warehouse1 sees every order but may not edit one
    responsibility_set(record=order, stage="shipped", user=personas["warehouse1"], actor=personas["rep1"])

    row = responsibility_set(record=order, stage="shipped", user=personas["logistics1"], actor=personas["warehouse1"])

    assert row.user == personas["logistics1"]


def test_others_without_edit_rights_are_refused_and_nothing_changes(personas, order):
    responsibility_set(record=order, stage="shipped", user=personas["warehouse1"], actor=personas["rep1"])

    with pytest.raises(ApplicationError) as exc:
        responsibility_set(record=order, stage="shipped", user=personas["finance1"], actor=personas["finance1"])

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert list(Responsibility.objects.values_list("user__username", "ended_at")) == [("warehouse1", None)]


def test_a_record_out_of_sight_is_refused(personas, order):
    with pytest.raises(ApplicationError) as exc:
        responsibility_set(record=order, stage="confirmed", user=personas["rep3"], actor=personas["rep3"])
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert not Responsibility.objects.exists()


def test_bad_input_is_refused_on_its_field(personas, order, english):
    responsibility_set(record=order, stage="confirmed", user=personas["rep1"], actor=personas["rep1"])
    personas["rep2"].is_active = False
    personas["rep2"].save()

    with pytest.raises(ValidationError) as exc:
        responsibility_set(record=order, stage="", user=personas["rep2"], actor=personas["rep1"], reason="x" * 201)
    assert exc.value.message_dict == {
        "stage": ["Choose a stage."],
        "user": ["Choose an active user."],
        "reason": ["Keep the reason under 200 characters."],
    }
    with pytest.raises(ValidationError) as exc:
        responsibility_set(record=order, stage="confirmed", user=personas["rep1"], actor=personas["rep1"])
    assert exc.value.message_dict == {"user": ["rep1 is already responsible for this stage."]}
    assert Responsibility.objects.count() == 1


# --- the order page -------------------------------------------------------------------------------


def test_the_order_page_shows_who_is_responsible_and_offers_the_handover(client, personas, order):
    responsibility_set(record=order, stage="confirmed", user=personas["follower1"], actor=personas["rep1"])
    client.force_login(personas["rep1"])

    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()

    assert 'data-testid="responsible-confirmed"' in page
    assert "follower1" in page.split('data-testid="responsible-confirmed"')[1].split("</li>")[0]
    form = page.split('data-testid="handover-form"')[1].split("</form>")[0]
    # The person is picked by name as one types (/lookup/users/), not chosen from every user there is.
    assert 'name="user"' in form and f'data-lookup="{reverse("lookup_users")}"' in form
    assert "finance1" not in form and "<option" not in form.split('id="handover-user"')[1]


def test_a_viewer_without_a_stage_gets_no_handover_form(client, personas, order):
    client.force_login(personas["warehouse1"])
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="responsibility"' in page
    assert 'data-testid="handover-form"' not in page


def test_handing_over_through_the_form(client, personas, order):
    client.force_login(personas["rep1"])
    url = reverse("automation:responsibility_handover", args=["sales.order", order.pk])

    response = client.post(url, {"stage": "confirmed", "user": personas["rep2"].pk, "reason": "Holiday"})

    assert response.status_code == 302
    assert response["Location"] == reverse("sales:order_detail", args=[order.pk])
    row = Responsibility.objects.get()
    assert (row.stage, row.user, row.assigned_by, row.reason) == (
        "confirmed",
        personas["rep2"],
        personas["rep1"],
        "Holiday",
    )


def test_the_handover_form_refuses_anonymous_outsiders_and_bad_input(client, personas, order):
    url = reverse("automation:responsibility_handover", args=["sales.order", order.pk])
    data = {"stage": "confirmed", "user": personas["rep2"].pk}

    assert client.post(url, data).status_code == 302  # to the log-in page
    client.force_login(personas["rep3"])
    assert client.post(url, data).status_code == 404
    assert client.post(reverse("automation:responsibility_handover", args=["crm.lead", 1]), data).status_code == 404
    client.force_login(personas["rep1"])
    response = client.post(url, {"stage": "confirmed", "user": "nobody"}, follow=True)
    assert response.status_code == 200
    assert not Responsibility.objects.exists()


def test_a_rule_sets_the_responsible_person_as_the_system(personas, order):
    row = responsibility_set(record=order, stage="pending_approval", user=personas["manager1"], actor=None)

    assert (row.user, row.assigned_by) == (personas["manager1"], None)
    event = next(e for e in timeline_events(order) if e.verb == "responsibility.changed")
    assert event.actor is None
    assert Notification.objects.filter(recipient=personas["manager1"], kind="responsibility.assigned").count() == 1
