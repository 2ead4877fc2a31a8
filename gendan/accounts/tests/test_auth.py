"""Logging in and out, changing the password, Argon2 hashing and the lock-out after failed log-ins."""

import pytest
from django.conf import settings as project_settings
from django.contrib.auth import SESSION_KEY

from gendan.accounts.models import User

pytestmark = pytest.mark.django_db

REAL_HASHERS = project_settings.PASSWORD_HASHERS  # conftest swaps in a fast one for everything else


@pytest.fixture
def alice(settings):
    settings.PASSWORD_HASHERS = REAL_HASHERS
    return User.objects.create_user(username="alice", password="correct horse battery", first_name="Alice")


def log_in(client, password, username="alice", **extra):
    return client.post(
        "/login/",
        {"username": username, "password": password, **extra},
        REMOTE_ADDR="10.1.1.1",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_passwords_are_hashed_with_argon2(alice):
    assert alice.password.startswith("argon2$argon2id$")
    assert alice.check_password("correct horse battery")


def test_the_login_page_shows_the_form(client):
    response = client.get("/login/")

    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_logging_in_opens_a_session_and_goes_home(client, alice):
    response = log_in(client, "correct horse battery")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(alice.pk)


def test_logging_in_goes_back_to_the_page_asked_for(client, alice):
    response = log_in(client, "correct horse battery", next="/password/")

    assert (response.status_code, response["Location"]) == (302, "/password/")


def test_a_wrong_password_stays_on_the_form_with_a_message(client, alice):
    response = log_in(client, "wrong")

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert SESSION_KEY not in client.session


def test_five_failed_log_ins_lock_the_account_even_for_the_right_password(client, alice):
    # given
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200

    # when
    fifth = log_in(client, "wrong")
    then_right = log_in(client, "correct horse battery")

    # then
    assert fifth.status_code == then_right.status_code == 429
    assert b"Too many failed log-ins" in then_right.content
    assert SESSION_KEY not in client.session


def test_a_successful_log_in_resets_the_count(client, alice):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, "correct horse battery").status_code == 302
    client.post("/logout/")

    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, "correct horse battery").status_code == 302


def test_the_lock_is_per_user_name(client, alice, settings):
    User.objects.create_user(username="bob", password="another good password")
    for _ in range(5):
        log_in(client, "wrong")

    assert log_in(client, "another good password", username="bob").status_code == 302


def test_logging_out_ends_the_session(client, alice):
    client.force_login(alice)

    response = client.post("/logout/")

    assert (response.status_code, response["Location"]) == (302, "/login/")
    assert SESSION_KEY not in client.session


def test_pages_need_a_log_in(client):
    response = client.get("/password/")

    assert (response.status_code, response["Location"]) == (302, "/login/?next=/password/")


def test_changing_the_password(client, alice):
    # given
    client.force_login(alice)

    # when
    response = client.post(
        "/password/",
        {
            "old_password": "correct horse battery",
            "new_password1": "a much longer passphrase",
            "new_password2": "a much longer passphrase",
        },
    )

    # then
    assert (response.status_code, response["Location"]) == (302, "/password/done/")
    alice.refresh_from_db()
    assert alice.check_password("a much longer passphrase")
    assert alice.password.startswith("argon2$")
    assert client.session[SESSION_KEY] == str(alice.pk)  # still logged in


@pytest.mark.parametrize(
    ("old", "new1", "new2", "field"),
    [
        ("wrong", "a much longer passphrase", "a much longer passphrase", "old_password"),
        ("correct horse battery", "a much longer passphrase", "something else entirely", "new_password2"),
        ("correct horse battery", "short", "short", "new_password2"),
        ("correct horse battery", "12345678901", "12345678901", "new_password2"),
    ],
)
def test_a_bad_password_change_is_refused_on_its_field(client, alice, old, new1, new2, field):
    client.force_login(alice)

    response = client.post("/password/", {"old_password": old, "new_password1": new1, "new_password2": new2})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery")
