"""A person's notification settings: the page and the service behind it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gendan.automation.models import NotificationKind, NotificationPreference, WebhookEndpoint
from gendan.automation.services import channels_for, notification_preferences, notification_preferences_set
from gendan.core.models import Event

pytestmark = pytest.mark.django_db

URL = reverse("automation:preferences")


@pytest.fixture
def team_dingtalk(personas):
    return WebhookEndpoint.objects.create(
        name="East team group",
        kind="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=x",
        department=personas["rep1"].department,
    )


def login(client, user):
    client.force_login(user)
    return client


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_page_lists_every_kind_and_the_channels_available(client, personas, team_dingtalk):
    response = login(client, personas["rep1"]).get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    form = response.context["form"]
    assert [field.name for field in form.kind_rows()] == [f"channels:{k}" for k in NotificationKind.values] + [
        "channels:*"
    ]
    assert [value for value, _label in response.context["channels"]] == ["bell", "email", "dingtalk"]
    html = response.content.decode()
    assert "A task of mine is overdue" in html and "My daily digest" in html
    assert "An order waits for my approval" in html and "Bell in Gendan" in html
    # Nothing chosen yet: the bell and e-mail are the default everywhere.
    assert form["channels:task.assigned"].value() == ["bell", "email"]


def test_without_robots_only_email_is_offered(client, personas):
    response = login(client, personas["rep3"]).get(URL)

    assert [value for value, _label in response.context["channels"]] == ["bell", "email"]
    assert response.context["has_robots"] is False


def test_the_user_menu_links_to_the_page(client, personas):
    response = login(client, personas["rep1"]).get(URL)

    assert f'href="{URL}"' in response.content.decode()


def test_saving_the_page(client, personas, team_dingtalk, english):
    # given
    rep1 = personas["rep1"]
    data = {f"channels:{kind}": ["email"] for kind in NotificationKind.values}
    data["channels:task.escalated"] = ["email", "dingtalk"]
    data["channels:digest"] = []
    data.update({"channels:*": ["email"], "quiet_start": "22:00", "quiet_end": "07:00", "time_zone": "Europe/Berlin"})
    # when
    response = login(client, rep1).post(URL, data)
    # then
    assert response.status_code == 302 and response.url == URL
    assert channels_for(rep1, "task.escalated") == ["dingtalk"]  # Alice has no e-mail address yet
    assert NotificationPreference.objects.get(user=rep1, kind="task.escalated").channels == ["email", "dingtalk"]
    assert NotificationPreference.objects.get(user=rep1, kind="digest").channels == []
    default = NotificationPreference.objects.get(user=rep1, kind="*")
    assert (default.quiet_start, default.quiet_end) == (datetime.time(22), datetime.time(7))
    rep1.refresh_from_db()
    assert rep1.time_zone == "Europe/Berlin"
    # and the page shows what was saved
    form = client.get(URL).context["form"]
    assert form["channels:task.escalated"].value() == ["email", "dingtalk"]
    assert form["time_zone"].value() == "Europe/Berlin"


def test_a_refused_save_shows_the_reason(client, personas, english):
    response = login(client, personas["rep1"]).post(
        URL, {"channels:*": ["email"], "quiet_start": "22:00", "quiet_end": "", "time_zone": ""}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["quiet_end"] == [
        "Give both the start and the end of the quiet hours, or neither."
    ]
    assert not NotificationPreference.objects.filter(user=personas["rep1"]).exists()


def test_the_service_records_what_changed(personas, team_dingtalk):
    # given
    rep1 = personas["rep1"]
    # when
    settings = notification_preferences_set(
        actor=rep1,
        channels={"task.overdue": ["dingtalk", "email"], "digest": []},
        quiet_start=datetime.time(21, 30),
        quiet_end=datetime.time(8),
        time_zone="Asia/Tokyo",
    )
    # then
    assert settings["channels"]["task.overdue"] == ["email", "dingtalk"]
    assert settings["channels"]["task.assigned"] == ["bell", "email"]
    event = Event.objects.get(verb="notification_preferences.updated")
    assert (event.actor_id, event.object_id) == (rep1.pk, rep1.pk)
    assert event.changes == {
        "channels.task.overdue": [["bell", "email"], ["dingtalk", "email"]],
        "channels.digest": [["bell", "email"], []],
        "quiet_start": [None, "21:30"],
        "quiet_end": [None, "08:00"],
        "time_zone": ["", "Asia/Tokyo"],
    }


def test_saving_the_same_settings_again_records_nothing(personas):
    rep1 = personas["rep1"]
    notification_preferences_set(actor=rep1, channels={"digest": []})
    notification_preferences_set(actor=rep1, channels={"digest": []})

    assert Event.objects.filter(verb="notification_preferences.updated").count() == 1


@pytest.mark.parametrize(
    ("arguments", "errors"),
    [
        ({"channels": {"digest": ["wecom"]}}, {"channels": ["Not available to you: wecom."]}),
        ({"channels": {"task.anything": ["email"]}}, {"channels": ["Unknown kinds of notice: task.anything."]}),
        (
            {"channels": {}, "quiet_start": None, "quiet_end": datetime.time(7)},
            {"quiet_start": ["Give both the start and the end of the quiet hours, or neither."]},
        ),
        (
            {"channels": {}, "quiet_start": datetime.time(7), "quiet_end": datetime.time(7)},
            {"quiet_end": ["The quiet hours must end at another time than they start."]},
        ),
        ({"channels": {}, "time_zone": "Mars/Olympus"}, {"time_zone": ["Choose a time zone from the list."]}),
    ],
)
def test_the_service_refuses_bad_settings(personas, english, arguments, errors):
    with pytest.raises(ValidationError) as refused:
        notification_preferences_set(actor=personas["rep1"], **arguments)

    assert refused.value.message_dict == errors
    assert not NotificationPreference.objects.exists()
    assert not Event.objects.filter(verb="notification_preferences.updated").exists()


def test_the_effective_settings_fall_back_to_the_default_row(personas):
    rep1 = personas["rep1"]
    NotificationPreference.objects.create(user=rep1, kind="*", channels=[])
    NotificationPreference.objects.create(user=rep1, kind="digest", channels=["email"])

    settings = notification_preferences(rep1)

    assert settings["channels"]["digest"] == ["email"]
    assert settings["channels"]["task.assigned"] == []
