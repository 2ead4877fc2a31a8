"""API tokens: one per client, expiring, stored as digests, revoked by their owner, a password change or deactivation."""

import datetime
import importlib
import types

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gendan.accounts.models import ApiToken, token_digest
from gendan.accounts.services import api_token_issue
from gendan.core.models import Event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def obtain(username, password, **extra) -> dict:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password, **extra})
    assert response.status_code == 200, response.content
    return response.json()


def client_with(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def status_and_code(client) -> tuple[int, str | None]:
    response = client.get("/api/v1/auth/tokens/")
    return response.status_code, response.json().get("code") if response.status_code != 200 else None


# --- obtaining and using ------------------------------------------------------------------------


def test_a_token_comes_with_its_expiry_thirty_days_on_and_only_its_digest_is_stored(personas):
    before = timezone.now()

    answer = obtain("rep1", "pw-rep1", name="ERP 同步")

    assert set(answer) == {"token", "expires"}
    expires = datetime.datetime.fromisoformat(answer["expires"])
    assert before + datetime.timedelta(days=30) <= expires <= timezone.now() + datetime.timedelta(days=30)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (personas["rep1"], "ERP 同步", answer["token"][:8])
    assert token.digest == token_digest(answer["token"]) != answer["token"]
    stored = ApiToken.objects.values().get()
    assert answer["token"] not in [value for value in stored.values() if isinstance(value, str)]
    assert client_with(answer["token"]).get("/api/v1/orders/").status_code == 200


def test_the_lifetime_is_a_setting(personas, settings):
    settings.API_TOKEN_LIFETIME = datetime.timedelta(hours=2)

    answer = obtain("rep1", "pw-rep1")

    expires = datetime.datetime.fromisoformat(answer["expires"])
    assert expires - timezone.now() <= datetime.timedelta(hours=2)


def test_a_token_without_a_name_is_named_after_its_client(personas):
    APIClient().post("/api/v1/auth/token/", {"username": "rep1", "password": "pw-rep1"}, HTTP_USER_AGENT="erp/2.1")

    assert ApiToken.objects.get().name == "erp/2.1"


def test_bad_credentials_still_answer_400_by_field(personas):
    response = APIClient().post("/api/v1/auth/token/", {"username": "rep1", "password": "wrong"})

    assert response.status_code == 400
    assert ApiToken.objects.count() == 0


def test_each_client_gets_its_own_token_and_the_list_never_shows_keys(personas):
    erp = obtain("rep1", "pw-rep1", name="ERP")["token"]
    phone = obtain("rep1", "pw-rep1", name="手机")["token"]
    obtain("rep2", "pw-rep2", name="rep2's")

    listed = client_with(phone).get("/api/v1/auth/tokens/").json()["results"]

    assert [row["name"] for row in listed] == ["手机", "ERP"]
    assert set(listed[0]) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at"}
    assert listed[1]["prefix"] == erp[:8]
    assert erp not in str(listed) and phone not in str(listed)


def test_an_expired_token_is_refused_with_401_and_says_so(personas):
    key = obtain("rep1", "pw-rep1")["token"]

    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        response = client_with(key).get("/api/v1/orders/")

    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert response.json()["detail"].startswith("This token expired at ")
    assert "POST /api/v1/auth/token/" in response.json()["detail"]


def test_an_unknown_token_is_refused(personas):
    assert status_and_code(client_with("not-a-token")) == (401, "token_invalid")


def test_last_used_is_written_at_most_once_a_minute(personas, django_assert_num_queries):
    key = obtain("rep1", "pw-rep1")["token"]
    client = client_with(key)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        client.get("/api/v1/auth/tokens/")
        first = ApiToken.objects.get().last_used_at
        # token (no write), count, page
        with django_assert_num_queries(3):
            client.get("/api/v1/auth/tokens/")
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        client.get("/api/v1/auth/tokens/")

    assert first == start
    assert ApiToken.objects.get().last_used_at == start + datetime.timedelta(seconds=61)


# --- revoking -----------------------------------------------------------------------------------


def test_deleting_revokes_one_token_and_the_others_keep_working(personas):
    erp = obtain("rep1", "pw-rep1", name="ERP")["token"]
    phone = obtain("rep1", "pw-rep1", name="手机")["token"]
    erp_id = ApiToken.objects.get(name="ERP").pk

    response = client_with(phone).delete(f"/api/v1/auth/tokens/{erp_id}/")

    assert response.status_code == 204
    refused = client_with(erp).get("/api/v1/orders/")
    assert (refused.status_code, refused.json()["code"]) == (401, "token_revoked")
    assert refused.json()["detail"].startswith("This token was revoked.")
    assert [row["name"] for row in client_with(phone).get("/api/v1/auth/tokens/").json()["results"]] == ["手机"]
    assert Event.objects.filter(verb="api_token.revoked", actor=personas["rep1"]).count() == 1


def test_nobody_revokes_or_lists_another_persons_token(personas):
    obtain("rep1", "pw-rep1", name="ERP")
    admin = client_with(obtain("admin", "pw-admin")["token"])
    rep1_token = ApiToken.objects.get(name="ERP")

    assert admin.delete(f"/api/v1/auth/tokens/{rep1_token.pk}/").status_code == 404
    assert [row["name"] for row in admin.get("/api/v1/auth/tokens/").json()["results"]] != ["ERP"]
    rep1_token.refresh_from_db()
    assert rep1_token.revoked_at is None


def test_changing_the_password_revokes_every_token(personas):
    rep = personas["rep1"]
    keys = [obtain("rep1", "pw-rep1", name=name)["token"] for name in ("ERP", "手机")]
    others = client_with(obtain("rep2", "pw-rep2")["token"])

    rep.set_password("a new secret")
    rep.save()

    for key in keys:
        response = client_with(key).get("/api/v1/orders/")
        assert (response.status_code, response.json()["code"]) == (401, "token_revoked")
        assert "because the password was changed" in response.json()["detail"]
    assert set(ApiToken.objects.filter(user=rep).values_list("revoked_reason", flat=True)) == {"password_changed"}
    assert others.get("/api/v1/orders/").status_code == 200
    assert Event.objects.get(verb="user.api_tokens_revoked").data["reason"] == "password_changed"


def test_the_password_change_page_revokes_the_tokens(client, personas):
    key = obtain("rep1", "pw-rep1")["token"]
    client.force_login(personas["rep1"])

    response = client.post(
        reverse("password_change"),
        {"old_password": "pw-rep1", "new_password1": "Another-Pass-2026", "new_password2": "Another-Pass-2026"},
    )

    assert response.status_code == 302
    assert status_and_code(client_with(key)) == (401, "token_revoked")


def test_saving_the_user_otherwise_keeps_the_tokens(personas):
    rep = personas["rep1"]
    key = obtain("rep1", "pw-rep1")["token"]
    rep.refresh_from_db()

    rep.phone = "13900000000"
    rep.save()
    rep.check_password("pw-rep1")  # may re-hash with a newer hasher: not a change of password

    assert status_and_code(client_with(key)) == (200, None)


def test_deactivating_the_user_revokes_every_token(personas):
    key = obtain("rep1", "pw-rep1")["token"]
    rep = type(personas["rep1"]).objects.get(pk=personas["rep1"].pk)

    rep.is_active = False
    rep.save()

    assert ApiToken.objects.get().revoked_reason == "deactivated"
    rep.is_active = True
    rep.save()
    response = client_with(key).get("/api/v1/orders/")
    assert (response.status_code, response.json()["code"]) == (401, "token_revoked")
    assert "because the user was deactivated" in response.json()["detail"]


# --- the page -----------------------------------------------------------------------------------


def test_the_user_menu_leads_to_the_tokens_page(client, personas):
    client.force_login(personas["rep1"])

    home = client.get("/").content.decode()

    assert f'href="{reverse("api_tokens")}"' in home


def test_the_page_makes_a_token_and_shows_its_key_once(client, personas):
    client.force_login(personas["rep1"])

    made = client.post(reverse("api_tokens"), {"name": "Wang's laptop"})
    again = client.get(reverse("api_tokens"))

    assert made.status_code == 200
    key = made.context["new_key"]
    assert key in made.content.decode()
    assert made["Cache-Control"] == "no-store"
    assert key not in again.content.decode()
    assert "Wang&#x27;s laptop" in again.content.decode()
    assert again.content.decode().count('data-testid="token-row"') == 1
    assert "Never" in again.content.decode()
    assert client_with(key).get("/api/v1/orders/").status_code == 200


def test_the_page_wants_a_name(client, personas):
    client.force_login(personas["rep1"])

    response = client.post(reverse("api_tokens"), {"name": "  "})

    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert ApiToken.objects.count() == 0


def test_the_page_lists_only_ones_own_live_tokens_and_revokes_them(client, personas):
    rep = personas["rep1"]
    mine, key = api_token_issue(actor=rep, name="ERP")
    api_token_issue(actor=personas["rep2"], name="rep2's")
    expired, _key = api_token_issue(actor=rep, name="old")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    client.force_login(rep)

    page = client.get(reverse("api_tokens"))
    assert [t.name for t in page.context["tokens"]] == ["ERP"]

    revoked = client.post(reverse("api_token_revoke", args=[mine.pk]), follow=True)
    assert "revoked: it no longer works" in revoked.content.decode()
    assert status_and_code(client_with(key)) == (401, "token_revoked")
    theirs = ApiToken.objects.get(name="rep2's")
    assert client.post(reverse("api_token_revoke", args=[theirs.pk])).status_code == 404


# --- migration ----------------------------------------------------------------------------------


def test_the_migration_adopts_authtoken_keys_as_digests_and_wipes_them(personas, settings):
    settings.API_TOKEN_LIFETIME = datetime.timedelta(days=30)
    migration = importlib.import_module("gendan.accounts.migrations.0003_api_tokens")
    key = "a" * 40
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, user_id bigint, created timestamp)'
        )
        cursor.execute(
            'INSERT INTO authtoken_token ("key", user_id, created) VALUES (%s, %s, %s)',
            [key, personas["rep1"].pk, timezone.now()],
        )

    migration.adopt_legacy_tokens(django_apps, types.SimpleNamespace(connection=connection))

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
    token = ApiToken.objects.get()
    assert (token.user, token.digest) == (personas["rep1"], token_digest(key))
    assert status_and_code(client_with(key)) == (200, None)
