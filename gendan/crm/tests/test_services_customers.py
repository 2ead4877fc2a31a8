"""Customers with their contacts and addresses: create, update, version, scope."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import Address, Contact, Customer
from gendan.crm.services import address_add, contact_add, customer_create, customer_update
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ADDRESS = {
    "recipient": "张三",
    "phone": "13900000000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "street": "文三路1号",
    "postal_code": "310000",
}


def state():
    return (
        list(Customer.objects.values_list("pk", "name", "owner", "version")),
        list(Contact.objects.values_list("pk", "name", "phone")),
        list(Address.objects.values_list("pk", "street")),
        Event.objects.count(),
    )


def test_create_with_contacts_and_addresses(personas):
    rep = personas["rep1"]

    customer = customer_create(
        actor=rep,
        name="杭州西湖贸易有限公司",
        phone="0571-88886666",
        credit_limit=Decimal("50000"),
        contacts=[{"name": "张三", "phone": "13900000000"}, {"name": "李四", "title": "采购"}],
        addresses=[ADDRESS],
    )

    assert (customer.owner, customer.version, customer.code) == (rep, 1, "C000001")
    assert list(customer.contacts.values_list("name", "phone", "title")) == [
        ("张三", "13900000000", ""),
        ("李四", "", "采购"),
    ]
    assert list(customer.addresses.values_list("city", "street")) == [("杭州市", "文三路1号")]
    event = Event.objects.get()
    assert (event.verb, event.actor, event.object_id, event.data) == (
        "customer.created",
        rep,
        customer.pk,
        {"owner": rep.pk, "contacts": 2, "addresses": 1},
    )


def test_create_reports_every_bad_field_keyed_by_row_and_writes_nothing(personas):
    with pytest.raises(ValidationError) as exc:
        customer_create(
            actor=personas["rep1"],
            name="",
            email="not-an-email",
            contacts=[{"name": "张三"}, {"name": "", "email": "x"}],
            addresses=[{**ADDRESS, "city": "", "street": ""}],
        )

    assert set(exc.value.message_dict) == {
        "name",
        "email",
        "contacts.1.name",
        "contacts.1.email",
        "addresses.0.city",
        "addresses.0.street",
    }
    assert state() == ([], [], [], 0)


def test_a_manager_may_give_a_customer_to_a_rep_in_his_department(personas):
    customer = customer_create(actor=personas["manager1"], name="北方客户", owner=personas["rep3"])

    assert customer.owner == personas["rep3"]


@pytest.mark.parametrize(("who", "owner"), [("rep1", "rep2"), ("rep1", "rep3"), ("follower1", "rep3")])
def test_nobody_creates_a_customer_for_a_rep_outside_his_scope(personas, who, owner):
    with pytest.raises(ApplicationError) as exc:
        customer_create(actor=personas[who], name="越权客户", owner=personas[owner])

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert state() == ([], [], [], 0)


def test_a_follower_may_give_a_customer_to_a_rep_of_his_team(personas):
    customer = customer_create(actor=personas["follower1"], name="团队客户", owner=personas["rep2"])

    assert customer.owner == personas["rep2"]


def test_roles_that_do_not_sell_cannot_create_customers(personas):
    with pytest.raises(ApplicationError) as exc:
        customer_create(actor=personas["warehouse1"], name="仓库建的客户")

    assert (exc.value.code, exc.value.extra) == (ErrorCode.PERMISSION_DENIED, {"permission": "crm.add_customer"})


def test_update_syncs_contacts_updates_kept_ones_adds_new_and_removes_the_rest(personas):
    # given
    rep = personas["rep1"]
    customer = customer_create(
        actor=rep, name="甲公司", contacts=[{"name": "张三"}, {"name": "李四"}], addresses=[ADDRESS]
    )
    zhang, li = customer.contacts.all()
    address = customer.addresses.get()

    # when
    customer = customer_update(
        customer=customer,
        actor=rep,
        version=1,
        name="甲公司（新）",
        level="A",
        contacts=[{"id": zhang.pk, "name": "张三", "phone": "13911112222"}, {"name": "王五"}],
        addresses=[{"id": address.pk, **ADDRESS, "street": "文三路2号"}, {**ADDRESS, "city": "宁波市"}],
    )

    # then
    customer.refresh_from_db()
    assert (customer.name, customer.level, customer.version) == ("甲公司（新）", "A", 2)
    assert list(customer.contacts.values_list("pk", "name", "phone")) == [
        (zhang.pk, "张三", "13911112222"),
        (li.pk + 1, "王五", ""),
    ]
    assert list(customer.addresses.values_list("city", "street")) == [("杭州市", "文三路2号"), ("宁波市", "文三路1号")]
    event = Event.objects.get(verb="customer.updated")
    assert event.changes == {"name": ["甲公司", "甲公司（新）"], "level": ["B", "A"]}
    assert event.data == {"contacts": [2, 1], "addresses": [2, 0]}


def test_update_without_contacts_keeps_them(personas):
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="乙公司", contacts=[{"name": "张三"}])

    customer_update(customer=customer, actor=rep, phone="021-1")

    assert list(customer.contacts.values_list("name", flat=True)) == ["张三"]


def test_a_stale_version_is_refused_and_changes_nothing(personas):
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="丙公司")
    customer_update(customer=customer, actor=rep, version=1, phone="021-1")
    before = state()

    with pytest.raises(ApplicationError) as exc:
        customer_update(customer=customer, actor=rep, version=1, phone="021-2", contacts=[{"name": "新人"}])

    assert (exc.value.code, exc.value.extra) == (ErrorCode.STALE_VERSION, {"current_version": 2})
    assert state() == before


def test_bad_nested_rows_change_nothing(personas):
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="丁公司", contacts=[{"name": "张三"}])
    other = customer_create(actor=rep, name="戊公司", contacts=[{"name": "外人"}])
    before = state()

    with pytest.raises(ValidationError) as exc:
        customer_update(
            customer=customer,
            actor=rep,
            name="改了名",
            contacts=[{"id": other.contacts.get().pk, "name": "偷来的"}, {"name": ""}],
        )

    assert exc.value.message_dict == {
        "contacts.0.id": ["Not one of this customer's records."],
        "contacts.1.name": ["This field cannot be blank."],
    }
    assert state() == before


def test_an_address_used_by_an_order_cannot_be_removed(personas):
    # given
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    customer = customer_create(actor=rep, name="己公司", contacts=[{"name": "张三"}], addresses=[ADDRESS])
    draft_order(rep, products, customer=customer)
    before = state()

    # when
    with pytest.raises(ValidationError) as exc:
        customer_update(customer=customer, actor=rep, addresses=[])

    # then
    assert list(exc.value.message_dict) == ["addresses"]
    assert state() == before


@pytest.mark.parametrize(("who", "owner"), [("rep1", "rep2"), ("follower1", "rep3")])
def test_nobody_hands_a_customer_to_a_rep_outside_his_scope(personas, who, owner):
    customer = customer_create(actor=personas["rep1"], name="庚公司")
    before = state()

    with pytest.raises(ApplicationError) as exc:
        customer_update(customer=customer, actor=personas[who], owner=personas[owner])

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert state() == before


def test_a_rep_cannot_edit_another_reps_customer(personas):
    customer = customer_create(actor=personas["rep1"], name="辛公司")
    before = state()

    with pytest.raises(ApplicationError) as exc:
        customer_update(customer=customer, actor=personas["rep3"], name="抢过来")

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert state() == before


def test_contacts_and_addresses_added_one_by_one_are_on_the_customers_timeline(personas):
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="壬公司")

    contact = contact_add(customer=customer, actor=rep, name="赵六", phone="13700000000")
    address = address_add(customer=customer, actor=rep, **ADDRESS)

    timeline = Event.objects.for_object(customer).order_by("id")
    assert [(e.verb, e.object_id) for e in timeline] == [
        ("customer.created", customer.pk),
        ("contact.created", contact.pk),
        ("address.created", address.pk),
    ]
    with pytest.raises(ValidationError) as exc:
        address_add(customer=customer, actor=rep, recipient="", phone="1", province="x", city="y", street="z")
    assert list(exc.value.message_dict) == ["recipient"]
