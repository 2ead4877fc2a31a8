import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from gendan.core.models import Event
from gendan.crm.models import Address, Contact, Customer
from gendan.crm.services import customer_update
from tests.backbone import draft_order, stocked_products
from tests.factories import CustomerFactory, customer_ready_to_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """Assert on the English source strings, whatever catalogue is compiled."""
    settings.LANGUAGE_CODE = "en"


def logged_in(client, user):
    client.force_login(user)
    return client


def valid_create_post(**overrides):
    data = {
        "name": "上海晨光贸易有限公司",
        "phone": "021-66668888",
        "email": "",
        "level": "A",
        "region": "华东",
        "industry": "",
        "source": "",
        "tax_id": "",
        "credit_limit": "50000",
        "payment_terms_days": "45",
        "notes": "",
        "contact-name": "李娜",
        "contact-phone": "13912345678",
        "contact-title": "采购经理",
        "contact-email": "",
        "address-province": "上海市",
        "address-city": "上海市",
        "address-district": "徐汇区",
        "address-street": "漕溪北路88号",
        "address-postal_code": "200030",
        "address-recipient": "李娜",
        "address-phone": "13912345678",
    }
    data.update(overrides)
    return data


def edit_post(customer, **overrides):
    data = {
        "name": customer.name,
        "phone": customer.phone,
        "email": customer.email,
        "level": customer.level,
        "region": customer.region,
        "industry": customer.industry,
        "source": customer.source,
        "tax_id": customer.tax_id,
        "credit_limit": str(customer.credit_limit),
        "payment_terms_days": str(customer.payment_terms_days),
        "notes": customer.notes,
        "version": str(customer.version),
    }
    data.update(overrides)
    return data


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["crm:customer_list", "crm:customer_create"])
def test_anonymous_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["crm:customer_detail", "crm:customer_edit"])
def test_anonymous_is_sent_to_log_in_from_a_customer(client, personas, name):
    customer = CustomerFactory(owner=personas["rep1"])

    response = client.get(reverse(name, args=[customer.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["crm:customer_detail", "crm:customer_edit"])
def test_another_reps_customer_is_not_found(client, personas, name):
    customer = CustomerFactory(owner=personas["rep3"])

    response = logged_in(client, personas["rep1"]).get(reverse(name, args=[customer.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["crm:contact_add", "crm:address_add"])
def test_adding_to_another_reps_customer_is_not_found(client, personas, name):
    customer = CustomerFactory(owner=personas["rep3"])

    response = logged_in(client, personas["rep1"]).post(reverse(name, args=[customer.pk]), {"contact-name": "x"})

    assert response.status_code == 404
    assert not Contact.objects.exists()


def test_a_role_that_does_not_sell_cannot_open_the_create_form(client, personas):
    response = logged_in(client, personas["warehouse1"]).get(reverse("crm:customer_create"))

    assert response.status_code == 403


# --- list --------------------------------------------------------------------------------------


def test_list_shows_the_reps_own_customers_with_their_open_orders(client, personas):
    # given: two customers of rep1, one with two open orders; one of rep2 in the same team
    _warehouse, products = stocked_products(count=1)
    busy = customer_ready_to_order(personas["rep1"], name="忙碌客户", phone="13800001111")
    customer_ready_to_order(personas["rep1"], name="安静客户")
    customer_ready_to_order(personas["rep2"], name="同事的客户")
    draft_order(personas["rep1"], products, customer=busy)
    draft_order(personas["rep1"], products, customer=busy)

    # when
    response = logged_in(client, personas["rep1"]).get(reverse("crm:customer_list"))

    # then
    assert response.status_code == 200
    rows = {c.name: c for c in response.context["page_obj"]}
    assert set(rows) == {"忙碌客户", "安静客户"}
    assert rows["忙碌客户"].open_order_count == 2
    assert rows["安静客户"].open_order_count == 0
    content = response.content.decode()
    assert "忙碌客户" in content and "13800001111" in content
    assert "同事的客户" not in content


def test_list_filters_by_search_and_level_and_sorts(client, personas):
    rep = personas["rep1"]
    CustomerFactory(owner=rep, name="甲公司", level="A")
    CustomerFactory(owner=rep, name="乙公司", level="A")
    CustomerFactory(owner=rep, name="丙工厂", level="B")
    client = logged_in(client, rep)

    by_search = client.get(reverse("crm:customer_list"), {"q": "公司"})
    by_level = client.get(reverse("crm:customer_list"), {"level": "B"})
    sorted_desc = client.get(reverse("crm:customer_list"), {"level": "A", "sort": "-name"})

    assert sorted(c.name for c in by_search.context["page_obj"]) == sorted(["甲公司", "乙公司"])
    assert [c.name for c in by_level.context["page_obj"]] == ["丙工厂"]
    assert [c.name for c in sorted_desc.context["page_obj"]] == sorted(["甲公司", "乙公司"], reverse=True)


def test_list_paginates_25_a_page(client, personas):
    for n in range(27):
        CustomerFactory(owner=personas["rep1"], name=f"客户{n:02d}")
    client = logged_in(client, personas["rep1"])

    first = client.get(reverse("crm:customer_list"))
    second = client.get(reverse("crm:customer_list"), {"page": 2})

    assert len(first.context["page_obj"]) == 25
    assert [c.name for c in second.context["page_obj"]] == ["客户25", "客户26"]


@pytest.mark.parametrize("count", [1, 10])
def test_list_query_count_does_not_grow_with_rows(client, personas, django_assert_num_queries, count):
    _warehouse, products = stocked_products(count=1)
    for _ in range(count):
        draft_order(personas["manager1"], products, customer=customer_ready_to_order(personas["rep1"]))
    client = logged_in(client, personas["manager1"])

    # session, user, 2 for the permission check, the manager's department and 2 levels of sub-teams,
    # count, page rows (owners are looked up as people type), the custom fields for the filters
    with django_assert_num_queries(10):
        response = client.get(reverse("crm:customer_list"))

    assert len(response.context["page_obj"]) == count


# --- export ------------------------------------------------------------------------------------


def test_csv_export_has_exactly_the_filtered_rows_of_the_reps_own_customers(client, personas):
    # given: rep1 owns three customers, two matching the search; rep2 (same team) owns a matching one
    rep = personas["rep1"]
    CustomerFactory(owner=rep, name="=HYPERLINK(1)贸易", code="C1")
    CustomerFactory(owner=rep, name="东方贸易", code="C2", level="A")
    CustomerFactory(owner=rep, name="西方工厂", code="C3")
    CustomerFactory(owner=personas["rep2"], name="南方贸易", code="C4")

    # when
    response = logged_in(client, rep).get(reverse("crm:customer_list"), {"q": "贸易", "export": "csv"})

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Code", "Name", "Phone"]
    assert sorted((r[0], r[1]) for r in rows[1:]) == [("C1", "'=HYPERLINK(1)贸易"), ("C2", "东方贸易")]


def test_xlsx_export_parses_back_with_typed_values(client, personas):
    rep = personas["rep1"]
    CustomerFactory(owner=rep, name="东方贸易", code="C2", level="A", credit_limit=Decimal("1234.50"))
    CustomerFactory(owner=personas["rep3"], name="北方贸易", code="C9")

    response = logged_in(client, rep).get(reverse("crm:customer_list"), {"export": "xlsx"})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert len(rows) == 2
    header, row = rows
    values = dict(zip(header, row, strict=True))
    assert row[0] == "C2" and row[1] == "东方贸易"
    assert values[header[9]] == 1234.5  # credit limit stays a number


# --- detail ------------------------------------------------------------------------------------


def test_detail_shows_profile_contacts_addresses_orders_and_timeline(client, personas):
    _warehouse, products = stocked_products(count=1)
    customer = customer_ready_to_order(personas["rep1"], name="详情客户", phone="0571-1234567")
    order = draft_order(personas["rep1"], products, customer=customer)
    customer_update(customer=customer, actor=personas["rep1"], version=customer.version, region="浙江")

    response = logged_in(client, personas["rep1"]).get(reverse("crm:customer_detail", args=[customer.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "详情客户" in content and "0571-1234567" in content
    assert "王经理" in content and "张江路100号" in content
    assert order.number in content
    assert [e.verb for e in response.context["events"]] == ["customer.updated"]
    assert 'data-testid="timeline"' in content and "浙江" in content


def test_detail_lists_only_the_orders_the_viewer_may_see(client, personas):
    # given: rep1's customer with an order of rep1 and (reassigned history) an order owned by rep3
    _warehouse, products = stocked_products(count=1)
    customer = customer_ready_to_order(personas["rep1"])
    mine = draft_order(personas["rep1"], products, customer=customer)
    theirs = draft_order(personas["admin"], products, customer=customer, owner=personas["rep3"])

    response = logged_in(client, personas["rep1"]).get(reverse("crm:customer_detail", args=[customer.pk]))

    assert [o.number for o in response.context["orders"]] == [mine.number]
    assert theirs.number not in response.content.decode()


def test_detail_query_count_is_fixed(client, personas, django_assert_num_queries):
    customer = customer_ready_to_order(personas["rep1"])
    client = logged_in(client, personas["rep1"])
    client.get(reverse("crm:customer_detail", args=[customer.pk]))  # warm the content-type cache

    # session, user, 2 for the permission check, customer, contacts, addresses, orders, order count, recent
    # follow-ups, planned and past meetings, opportunities, contracts, the contacts to choose in the follow-up form,
    # open tasks, events, what the customer owes and their latest statements (finance's card), its custom fields and
    # its contacts'
    with django_assert_num_queries(21):
        client.get(reverse("crm:customer_detail", args=[customer.pk]))


# --- create ------------------------------------------------------------------------------------


def test_create_with_first_contact_and_address(client, personas):
    response = logged_in(client, personas["rep1"]).post(reverse("crm:customer_create"), valid_create_post())

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("crm:customer_detail", args=[customer.pk])
    assert (customer.name, customer.owner, customer.level, customer.credit_limit) == (
        "上海晨光贸易有限公司",
        personas["rep1"],
        "A",
        Decimal("50000"),
    )
    assert list(customer.contacts.values_list("name", "phone", "title")) == [("李娜", "13912345678", "采购经理")]
    assert list(customer.addresses.values_list("province", "district", "street", "postal_code")) == [
        ("上海市", "徐汇区", "漕溪北路88号", "200030")
    ]
    assert list(Event.objects.values_list("verb", flat=True)) == ["customer.created"]


def test_create_without_contact_and_address(client, personas):
    blank_rows = {k: "" for k in valid_create_post() if k.startswith(("contact-", "address-"))}

    response = logged_in(client, personas["rep1"]).post(reverse("crm:customer_create"), valid_create_post(**blank_rows))

    assert response.status_code == 302
    customer = Customer.objects.get()
    assert not customer.contacts.exists() and not customer.addresses.exists()


def test_create_shows_service_errors_on_the_address_fields_and_writes_nothing(client, personas):
    # given: a half-filled address: the form accepts it, the service names what is missing
    post = valid_create_post(**{"address-recipient": "", "address-street": ""})

    # when
    response = logged_in(client, personas["rep1"]).post(reverse("crm:customer_create"), post)

    # then
    assert response.status_code == 200
    assert set(response.context["address_form"].errors) == {"recipient", "street"}
    assert not response.context["form"].errors
    assert 'id="id_address-street"' in response.content.decode()
    assert "is-invalid" in response.content.decode()
    assert not Customer.objects.exists() and not Contact.objects.exists() and not Address.objects.exists()
    assert not Event.objects.exists()


def test_create_with_bad_profile_input_shows_field_errors(client, personas):
    post = valid_create_post(name="", email="not-an-email", credit_limit="-5")

    response = logged_in(client, personas["rep1"]).post(reverse("crm:customer_create"), post)

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "email", "credit_limit"}
    assert not Customer.objects.exists()


def test_a_rep_owns_what_they_create_and_a_manager_picks_the_owner(client, personas):
    rep_form = logged_in(client, personas["rep1"]).get(reverse("crm:customer_create")).context["form"]
    assert "owner" not in rep_form.fields

    response = logged_in(client, personas["manager1"]).post(
        reverse("crm:customer_create"), valid_create_post(owner=personas["rep2"].pk)
    )

    assert response.status_code == 302
    assert Customer.objects.get().owner == personas["rep2"]


def test_a_manager_cannot_give_a_customer_to_someone_outside_their_sight(client, personas):
    response = logged_in(client, personas["manager1"]).post(
        reverse("crm:customer_create"), valid_create_post(owner=personas["boss1"].pk)
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "You cannot assign this record outside the records you can see."
    ]
    assert 'data-testid="form-error"' in response.content.decode()
    assert not Customer.objects.exists()


# --- edit --------------------------------------------------------------------------------------


def test_edit_saves_and_bumps_the_version(client, personas):
    customer = CustomerFactory(owner=personas["rep1"], name="旧名字")

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:customer_edit", args=[customer.pk]), edit_post(customer, name="新名字", level="C")
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.level, customer.version) == ("新名字", "C", 2)
    event = Event.objects.get()
    assert event.changes == {"name": ["旧名字", "新名字"], "level": ["B", "C"]}


def test_edit_against_a_stale_version_is_refused_without_overwriting(client, personas):
    # given: rep1 opened the form at version 1; a colleague saved since
    customer = CustomerFactory(owner=personas["rep1"], name="原名")
    post = edit_post(customer, name="我的修改")
    customer_update(customer=customer, actor=personas["manager1"], version=1, name="经理的修改")

    # when
    response = logged_in(client, personas["rep1"]).post(reverse("crm:customer_edit", args=[customer.pk]), post)

    # then
    assert response.status_code == 200
    assert response.context["stale"] is True
    assert 'data-testid="stale-error"' in response.content.decode()
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("经理的修改", 2)


def test_edit_with_bad_input_changes_nothing(client, personas):
    customer = CustomerFactory(owner=personas["rep1"], name="原名")

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:customer_edit", args=[customer.pk]), edit_post(customer, name="", payment_terms_days="abc")
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "payment_terms_days"}
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("原名", 1)
    assert not Event.objects.exists()


# --- contacts and addresses inline --------------------------------------------------------------


def test_htmx_add_contact_returns_the_card_and_the_new_timeline(client, personas):
    customer = CustomerFactory(owner=personas["rep1"])

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:contact_add", args=[customer.pk]),
        {"contact-name": "赵敏", "contact-phone": "13700000000", "contact-title": "", "contact-email": ""},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="contacts"' in content and "赵敏" in content
    assert 'hx-swap-oob="true"' in content
    assert list(customer.contacts.values_list("name", "phone")) == [("赵敏", "13700000000")]
    assert list(Event.objects.for_object(customer).values_list("verb", flat=True)) == ["contact.created"]


def test_htmx_add_contact_with_bad_input_shows_the_error_in_the_card(client, personas):
    customer = CustomerFactory(owner=personas["rep1"])

    response = logged_in(client, personas["rep1"]).post(
        reverse("crm:contact_add", args=[customer.pk]),
        {"contact-name": "", "contact-email": "bad"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert set(response.context["contact_form"].errors) == {"name", "email"}
    assert 'class="collapse show' in response.content.decode()
    assert not Contact.objects.exists()


def test_add_address_without_javascript_redirects_to_the_customer(client, personas):
    customer = CustomerFactory(owner=personas["rep1"])
    post = {
        "address-province": "广东省",
        "address-city": "深圳市",
        "address-district": "南山区",
        "address-street": "科技园路1号",
        "address-postal_code": "518000",
        "address-recipient": "陈工",
        "address-phone": "13600000000",
    }

    response = logged_in(client, personas["rep1"]).post(reverse("crm:address_add", args=[customer.pk]), post)

    assert response.status_code == 302
    assert list(customer.addresses.values_list("city", "recipient")) == [("深圳市", "陈工")]
