"""What every API endpoint shares: authentication, the error mapping, idempotent creates."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from rest_framework.test import APIClient

from gendan.core.api import IdempotentCreateMixin, exception_handler, nest_errors
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import IdempotencyKey
from gendan.crm.models import Customer
from tests.api_client import api_as

# --- error mapping (no database) ---------------------------------------------------------------


def test_nest_errors_turns_dotted_keys_into_rows_keyed_by_index():
    flat = {
        "name": ["required"],
        "lines.0.quantity": ["too small"],
        "lines.2.product": ["gone"],
        "lines.2.quantity": ["too big"],
        "__all__": ["whole form"],
    }

    assert nest_errors(flat) == {
        "name": ["required"],
        "lines": {0: {"quantity": ["too small"]}, 2: {"product": ["gone"], "quantity": ["too big"]}},
        "non_field_errors": ["whole form"],
    }


def test_nest_errors_moves_a_message_about_the_list_itself_to_the_form_wide_errors():
    assert nest_errors({"lines": ["Each line once."], "lines.1.quantity": ["too big"]}) == {
        "lines": {1: {"quantity": ["too big"]}},
        "non_field_errors": ["Each line once."],
    }


def test_a_refused_action_is_409_with_its_code_and_extra():
    exc = ApplicationError("Not enough stock", ErrorCode.INSUFFICIENT_STOCK, {"product": 7, "available": "2"})

    response = exception_handler(exc, {})

    assert response.status_code == 409
    assert response.data == {"product": 7, "available": "2", "detail": "Not enough stock", "code": "insufficient_stock"}


def test_a_permission_refusal_from_a_service_is_403():
    response = exception_handler(ApplicationError("No", ErrorCode.PERMISSION_DENIED), {})

    assert (response.status_code, response.data) == (403, {"detail": "No", "code": "permission_denied"})


def test_a_service_validation_error_is_a_field_keyed_400():
    response = exception_handler(ValidationError({"lines.0.quantity": ["Enter a quantity above zero."]}), {})

    assert response.status_code == 400
    assert response.data == {"lines": {0: {"quantity": ["Enter a quantity above zero."]}}}


def test_a_validation_error_without_fields_goes_to_non_field_errors():
    response = exception_handler(ValidationError("Something is off."), {})

    assert (response.status_code, response.data) == (400, {"non_field_errors": ["Something is off."]})


def test_not_found_carries_a_code():
    response = exception_handler(Http404(), {})

    assert response.status_code == 404
    assert response.data["code"] == "not_found"


# --- authentication ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_from_username_and_password_authenticates_later_requests(personas):
    # given
    client = APIClient()

    # when
    response = client.post("/api/v1/auth/token/", {"username": "rep1", "password": "pw-rep1"}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")

    # then
    assert response.status_code == 200
    assert list(response.json()) == ["token", "expires"]
    assert client.get("/api/v1/customers/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_gets_no_token(personas):
    response = APIClient().post("/api/v1/auth/token/", {"username": "rep1", "password": "nope"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_out_of_the_token_endpoint(personas, settings):
    # given: the lock-out limit reached with wrong passwords
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "rep1", "password": "nope"}, format="json")

    # when: even the right password
    response = client.post(
        "/api/v1/auth/token/", {"username": "rep1", "password": "pw-rep1"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    # then
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many failed log-ins. Try again later.", "code": "locked_out"}


@pytest.mark.django_db
def test_session_authentication_works_too_with_csrf_on_writes(personas):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(personas["rep1"])

    assert client.get("/api/v1/orders/").status_code == 200
    refused = client.post("/api/v1/customers/", CUSTOMER, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_requests_are_401_with_a_code(personas):
    response = APIClient().get("/api/v1/orders/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_bad_token_is_401(personas):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    assert client.get("/api/v1/orders/").status_code == 401


# --- idempotent creates ------------------------------------------------------------------------

CUSTOMER = {"name": "苏州工业园区精密机械有限公司", "phone": "0512-66668888"}


@pytest.mark.django_db
def test_a_create_without_a_key_is_not_remembered(personas):
    client = api_as(personas["rep1"])

    client.post("/api/v1/customers/", CUSTOMER, format="json")
    client.post("/api/v1/customers/", CUSTOMER, format="json")

    assert Customer.objects.count() == 2
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.django_db
def test_a_retry_with_the_same_key_returns_the_first_answer_and_creates_nothing(personas):
    # given
    client = api_as(personas["rep1"])
    first = client.post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")

    # when: the same request again
    retry = client.post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")

    # then
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Customer.objects.count() == 1
    stored = IdempotencyKey.objects.get()
    assert (stored.user, stored.key, stored.method, stored.path, stored.status_code) == (
        personas["rep1"],
        "abc-1",
        "POST",
        "/api/v1/customers/",
        201,
    )


@pytest.mark.django_db
def test_a_key_reused_with_another_body_is_refused_not_replayed(personas):
    # given
    client = api_as(personas["rep1"])
    client.post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="abc-2")

    # when
    reused = client.post(
        "/api/v1/customers/", {**CUSTOMER, "name": "另一个"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-2"
    )

    # then
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    assert list(Customer.objects.values_list("name", flat=True)) == [CUSTOMER["name"]]


@pytest.mark.django_db
def test_keys_belong_to_one_user_and_one_path(personas):
    # given
    api_as(personas["rep1"]).post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="same")

    # when
    other_user = api_as(personas["rep2"]).post(
        "/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )

    # then
    assert other_user.status_code == 201
    assert other_user.json()["owner"] == personas["rep2"].pk
    assert Customer.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_create_stores_nothing_so_a_corrected_retry_goes_through(personas):
    # given
    client = api_as(personas["rep1"])
    refused = client.post("/api/v1/customers/", {"phone": "1"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    # when
    retry = client.post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="k")

    # then
    assert (refused.status_code, retry.status_code) == (400, 201)
    assert Customer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_key_create_one_record(personas):
    # given: the first request has stored its answer, but the second looked before it did
    client = api_as(personas["rep1"])
    first = client.post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="race")
    real_lookup = IdempotentCreateMixin._stored_answer
    lookups = iter([None])

    def lookup_missing_the_winner_once(request, key, fingerprint):
        return next(lookups, None) or real_lookup(request, key, fingerprint)

    # when
    with mock.patch.object(IdempotentCreateMixin, "_stored_answer", side_effect=lookup_missing_the_winner_once):
        second = client.post("/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="race")

    # then: its own customer rolled back with the refused key; it answers what the winner stored
    assert second.status_code == 201
    assert second.json() == first.json()
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_an_overlong_key_is_bad_input(personas):
    response = api_as(personas["rep1"]).post(
        "/api/v1/customers/", CUSTOMER, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256
    )

    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]
    assert Customer.objects.count() == 0
