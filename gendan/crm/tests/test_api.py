"""The /api/v1/customers/ contract: nested contacts and addresses, optimistic locking, scope, query budget."""

import pytest

from gendan.core.models import Event
from gendan.crm.models import Address, Contact, Customer
from tests.api_client import api_as
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db

ADDRESS = {
    "recipient": "张伟",
    "phone": "13812345678",
    "province": "江苏省",
    "city": "南京市",
    "district": "玄武区",
    "street": "中山路18号",
    "postal_code": "210000",
}


def test_create_with_contacts_and_addresses(personas):
    # when
    response = api_as(personas["rep1"]).post(
        "/api/v1/customers/",
        {
            "name": "南京紫金电子有限公司",
            "phone": "025-84561234",
            "level": "A",
            "contacts": [{"name": "张伟", "phone": "13812345678"}, {"name": "刘洋", "title": "采购"}],
            "addresses": [ADDRESS],
        },
        format="json",
    )

    # then
    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get()
    assert body["id"] == customer.pk
    assert (body["code"], body["name"], body["level"], body["owner"], body["owner_name"], body["version"]) == (
        customer.code,
        "南京紫金电子有限公司",
        "A",
        personas["rep1"].pk,
        "rep1",
        1,
    )
    assert body["credit_limit"] == "0.00"
    assert [(c["name"], c["phone"], c["title"]) for c in body["contacts"]] == [
        ("张伟", "13812345678", ""),
        ("刘洋", "", "采购"),
    ]
    assert [{k: v for k, v in a.items() if k != "id"} for a in body["addresses"]] == [ADDRESS]
    assert Event.objects.get().verb == "customer.created"


def test_create_with_a_bad_nested_row_is_400_per_row_and_writes_nothing(personas):
    response = api_as(personas["rep1"]).post(
        "/api/v1/customers/",
        {"name": "X", "addresses": [ADDRESS, {**ADDRESS, "province": ""}]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["addresses"]
    assert list(response.json()["addresses"]) == ["1"]
    assert list(response.json()["addresses"]["1"]) == ["province"]
    assert Customer.objects.count() == Address.objects.count() == 0


def test_a_rep_cannot_create_a_customer_for_another_rep(personas):
    response = api_as(personas["rep1"]).post(
        "/api/v1/customers/", {"name": "X", "owner": personas["rep3"].pk}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Customer.objects.count() == 0


def test_patch_updates_rows_with_an_id_adds_rows_without_and_removes_the_rest(personas):
    # given: two contacts
    customer = customer_ready_to_order(personas["rep1"])
    kept = customer.contacts.get()
    removed = Contact.objects.create(customer=customer, name="赵六")

    # when
    response = api_as(personas["rep1"]).patch(
        f"/api/v1/customers/{customer.pk}/",
        {
            "version": 1,
            "phone": "021-11112222",
            "contacts": [{"id": kept.pk, "name": "王经理", "phone": "13999999999"}, {"name": "新联系人"}],
        },
        format="json",
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["phone"], body["version"]) == ("021-11112222", 2)
    assert [(c["id"] == kept.pk, c["name"], c["phone"]) for c in body["contacts"]] == [
        (True, "王经理", "13999999999"),
        (False, "新联系人", ""),
    ]
    assert not Contact.objects.filter(pk=removed.pk).exists()
    assert len(body["addresses"]) == 1  # not sent: left alone
    event = Event.objects.filter(verb="customer.updated").get()
    assert event.changes == {"phone": ["021-55550000", "021-11112222"]}
    assert event.data == {"contacts": [2, 1]}


def test_a_row_id_of_another_customer_is_a_field_error_on_that_row(personas):
    # given
    customer = customer_ready_to_order(personas["rep1"])
    foreign = customer_ready_to_order(personas["rep1"]).contacts.get()

    # when
    response = api_as(personas["rep1"]).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"contacts": [{"name": "ok"}, {"id": foreign.pk, "name": "stolen"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"contacts": {"1": {"id": ["Not one of this customer's records."]}}}
    foreign.refresh_from_db()
    assert foreign.name == "王经理"


def test_put_needs_the_whole_record(personas):
    customer = customer_ready_to_order(personas["rep1"])

    response = api_as(personas["rep1"]).put(f"/api/v1/customers/{customer.pk}/", {"phone": "1"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["name"]


def test_a_stale_version_is_409_and_if_match_is_honoured(personas):
    # given
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])
    etag = client.get(f"/api/v1/customers/{customer.pk}/")["ETag"]
    client.patch(f"/api/v1/customers/{customer.pk}/", {"notes": "first"}, format="json", HTTP_IF_MATCH=etag)

    # when
    stale = client.patch(f"/api/v1/customers/{customer.pk}/", {"notes": "second"}, format="json", HTTP_IF_MATCH=etag)

    # then
    assert etag == '"1"'
    assert stale.status_code == 409
    assert (stale.json()["code"], stale.json()["current_version"]) == ("stale_version", 2)
    customer.refresh_from_db()
    assert customer.notes == "first"


def test_another_reps_customer_is_404_for_read_edit_and_timeline(personas):
    # given
    customer = customer_ready_to_order(personas["rep3"])
    client = api_as(personas["rep1"])

    # then
    assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert client.patch(f"/api/v1/customers/{customer.pk}/", {"notes": "x"}, format="json").status_code == 404
    assert client.get(f"/api/v1/customers/{customer.pk}/events/").status_code == 404
    assert client.get("/api/v1/customers/").json()["count"] == 0


def test_list_filters_by_level_and_searches(personas):
    a = customer_ready_to_order(personas["rep1"], name="上海甲公司", level="A")
    customer_ready_to_order(personas["rep1"], name="上海乙公司", level="B")
    client = api_as(personas["rep1"])

    assert [c["id"] for c in client.get("/api/v1/customers/", {"level": "A"}).json()["results"]] == [a.pk]
    assert [c["id"] for c in client.get("/api/v1/customers/", {"q": "甲"}).json()["results"]] == [a.pk]


def test_the_timeline_of_a_customer(personas):
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])
    client.patch(f"/api/v1/customers/{customer.pk}/", {"level": "A"}, format="json")

    results = client.get(f"/api/v1/customers/{customer.pk}/events/").json()["results"]

    assert [(e["verb"], e["actor"], e["changes"]) for e in results] == [
        ("customer.updated", "rep1", {"level": ["B", "A"]})
    ]


def test_list_queries_do_not_grow_with_the_number_of_customers(personas, django_assert_num_queries):
    # given
    client = api_as(personas["rep1"])
    customer_ready_to_order(personas["rep1"])

    # then: token, 2 × permissions, the custom fields (filters), count, customers, contacts, addresses
    with django_assert_num_queries(8):
        assert client.get("/api/v1/customers/").json()["count"] == 1
    for _ in range(4):
        customer_ready_to_order(personas["rep1"])
    with django_assert_num_queries(8):
        assert client.get("/api/v1/customers/").json()["count"] == 5


def test_detail_takes_a_fixed_number_of_queries(personas, django_assert_num_queries):
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])

    # token, 2 × permissions, the custom fields (the list's filters apply to a read too), customer, contacts, addresses
    with django_assert_num_queries(7):
        assert client.get(f"/api/v1/customers/{customer.pk}/").status_code == 200
