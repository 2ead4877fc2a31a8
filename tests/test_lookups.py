"""Filters pick a customer, an owner or a product by asking the server: no page lists them all."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gendan.accounts.models import User
from gendan.core.lookups import LOOKUP_LIMIT
from gendan.crm.models import Customer
from tests.backbone import draft_order, stocked_products
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def lookup(client, kind, query=""):
    response = client.get(f"/lookup/{kind}/", {"q": query})
    assert response.status_code == 200
    return json.loads(response.content)


def test_customers_are_looked_up_in_the_readers_scope_by_name_code_or_phone(client, personas):
    mine = CustomerFactory(name="杭州星河贸易", code="HZ001", phone="0571-1234", owner=personas["rep1"])
    CustomerFactory(name="杭州远山贸易", code="HZ002", owner=personas["rep3"])
    client.force_login(personas["rep1"])

    assert lookup(client, "customers", "星河") == [{"id": mine.pk, "label": "杭州星河贸易"}]
    assert [row["id"] for row in lookup(client, "customers", "杭州")] == [mine.pk]
    assert [row["id"] for row in lookup(client, "customers", "hz")] == [mine.pk]
    assert [row["id"] for row in lookup(client, "customers", "0571")] == [mine.pk]
    assert lookup(client, "customers", "远山") == []


def test_a_lookup_answers_at_most_twenty_by_name_in_one_query_after_the_searchs_probe(client, personas):
    Customer.objects.bulk_create(
        Customer(name=f"客户{n:03d}", code=f"C{n:03d}", owner=personas["rep1"]) for n in range(LOOKUP_LIMIT + 15)
    )
    client.force_login(personas["rep1"])
    lookup(client, "customers", "客户")

    with CaptureQueriesContext(connection) as queries:
        rows = lookup(client, "customers", "客户")

    assert len(rows) == LOOKUP_LIMIT
    assert [row["label"] for row in rows] == [f"客户{n:03d}" for n in range(LOOKUP_LIMIT)]
    # session, user, the customers the term finds by their contacts (core.search's probe reads those keys once),
    # how many rows the term finds, the matches (a rep sees their own customers: no team to look up)
    assert len(queries) == 5
    assert "crm_customer" in queries.captured_queries[-1]["sql"]


# Products are found by core.search, which first counts how many rows the term finds (its probe).
@pytest.mark.parametrize(
    ("kind", "table", "probes"), [("users", "accounts_user", 0), ("products", "catalog_product", 1)]
)
def test_users_and_products_are_looked_up_in_one_query_at_most_twenty(client, personas, kind, table, probes):
    User.objects.bulk_create(User(username=f"person-{n:03d}") for n in range(LOOKUP_LIMIT + 5))
    for n in range(LOOKUP_LIMIT + 5):
        ProductFactory(sku=f"P-{n:03d}", name=f"person-product-{n:03d}")
    client.force_login(personas["rep1"])
    lookup(client, kind, "person")

    with CaptureQueriesContext(connection) as queries:
        rows = lookup(client, kind, "person")

    assert len(rows) == LOOKUP_LIMIT
    # session, user, the probe if any, the matches
    assert len(queries) == 3 + probes
    assert table in queries.captured_queries[-1]["sql"]


def test_sellers_are_the_active_users_who_may_own_customers(client, personas):
    client.force_login(personas["manager1"])

    labels = [row["label"] for row in lookup(client, "sellers", "1")]

    assert "rep1" in labels and "manager1" in labels
    assert "warehouse1" not in labels and "finance1" not in labels


def test_owners_are_active_users_and_products_active_products(client, personas):
    personas["rep2"].is_active = False
    personas["rep2"].save(update_fields=["is_active"])
    ProductFactory(sku="GEAR-1", name="齿轮")
    ProductFactory(sku="GEAR-2", name="旧齿轮", is_active=False)
    client.force_login(personas["rep1"])

    assert [row["label"] for row in lookup(client, "users", "rep")] == ["rep1", "rep3"]
    assert lookup(client, "products", "gear") == [
        {"id": row["id"], "label": "齿轮 (GEAR-1)"} for row in lookup(client, "products", "齿")
    ]
    assert len(lookup(client, "products", "齿")) == 1


@pytest.mark.parametrize("kind", ["customers", "users", "sellers", "products"])
def test_an_anonymous_visitor_is_refused(client, kind):
    response = client.get(f"/lookup/{kind}/", {"q": "a"})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


ALL_KINDS = ("customers", "users", "products")
# Every page whose filters used to list every customer, owner or product, and the kinds it may not
# list (the customer list lists customers, 25 to a page: its owner filter may not list the users).
PAGES = [
    ("/orders/", ALL_KINDS),
    ("/quotations/", ALL_KINDS),
    ("/finance/invoices/", ALL_KINDS),
    ("/finance/payments/", ALL_KINDS),
    ("/finance/to-invoice/", ALL_KINDS),
    ("/finance/unpaid/", ALL_KINDS),
    ("/finance/to-allocate/", ALL_KINDS),
    ("/shipments/to-ship/", ALL_KINDS),
    ("/shipments/to-send/", ALL_KINDS),
    ("/shipments/in-transit/", ALL_KINDS),
    ("/customers/", ("users",)),
    ("/customers/leads/", ALL_KINDS),
    ("/customers/follow-ups/", ALL_KINDS),
    ("/customers/meetings/", ALL_KINDS),
    ("/customers/contracts/", ALL_KINDS),
    ("/customers/opportunities/", ALL_KINDS),
    ("/customers/opportunities/list/", ALL_KINDS),
    ("/stock/", ALL_KINDS),
    ("/stock/moves/", ALL_KINDS),
    ("/stock/moves/new/", ALL_KINDS),
    ("/orders/new/", ALL_KINDS),
    ("/quotations/new/", ALL_KINDS),
    ("/tasks/new/", ALL_KINDS),
]
NAMES = {"customers": ["名单客户0007"], "users": ["listed-user-0007"], "products": ["名单产品0007", "LISTED-0007"]}


def add_records(kinds, count, personas, start):
    numbers = range(start, start + count)
    if "customers" in kinds:
        Customer.objects.bulk_create(
            Customer(name=f"名单客户{n:04d}", code=f"L{n:04d}", owner=personas["rep1"]) for n in numbers
        )
    if "users" in kinds:
        User.objects.bulk_create(User(username=f"listed-user-{n:04d}") for n in numbers)
    if "products" in kinds:
        for n in numbers:
            ProductFactory(sku=f"LISTED-{n:04d}", name=f"名单产品{n:04d}")


@pytest.mark.parametrize(("path", "kinds"), PAGES)
def test_a_list_page_does_not_grow_with_customers_users_or_products(client, personas, path, kinds):
    client.force_login(personas["admin"])
    add_records(kinds, 5, personas, 0)
    few = client.get(path)
    add_records(kinds, 195, personas, 5)
    many = client.get(path)

    assert few.status_code == many.status_code == 200
    html = many.content.decode()
    for kind in kinds:
        for name in NAMES[kind]:
            assert name not in html
    # The CSRF token and the like vary by a few bytes; a list of 200 names would add thousands.
    assert abs(len(many.content) - len(few.content)) < 100


def test_the_order_list_filters_by_customer_and_names_the_chosen_one(client, personas):
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    acme = CustomerFactory(name="甲方贸易", owner=rep)
    other = CustomerFactory(name="乙方贸易", owner=rep)
    wanted = draft_order(rep, products, customer=acme)
    draft_order(rep, products, customer=other)
    client.force_login(rep)

    response = client.get("/orders/", {"customer": acme.pk})

    assert [order.pk for order in response.context["page_obj"]] == [wanted.pk]
    html = response.content.decode()
    assert f'name="customer" value="{acme.pk}"' in html
    assert 'data-lookup-label="甲方贸易"' in html
    assert 'data-lookup="/lookup/customers/"' in html


def test_a_customer_out_of_scope_is_not_named_by_its_id(client, personas):
    theirs = CustomerFactory(name="别人的客户", owner=personas["rep3"])
    client.force_login(personas["rep1"])

    for path in ("/orders/", "/finance/invoices/"):
        response = client.get(path, {"customer": theirs.pk})
        assert "别人的客户" not in response.content.decode()


def test_the_order_editor_names_the_customer_it_opens_with(client, personas):
    rep = personas["rep1"]
    stocked_products(1)
    acme = CustomerFactory(name="甲方贸易", owner=rep)
    client.force_login(rep)

    html = client.get("/orders/new/", {"customer": acme.pk}).content.decode()

    assert 'data-lookup-label="甲方贸易"' in html
    assert 'hx-get="/orders/editor/customer/"' in html


def test_the_stock_pages_name_the_product_they_open_with(client, personas):
    gear = ProductFactory(sku="GEAR-1", name="齿轮")
    client.force_login(personas["admin"])

    for path in ("/stock/", "/stock/moves/", "/stock/moves/new/"):
        html = client.get(path, {"product": gear.pk}).content.decode()
        assert 'data-lookup-label="齿轮 (GEAR-1)"' in html, path
        assert 'data-lookup="/lookup/products/"' in html, path


@pytest.mark.parametrize("query", ["a\x00b", "\x00"])
def test_a_nul_in_the_query_is_a_400_on_q_not_a_database_error(client, personas, query):
    client.force_login(personas["rep1"])

    response = client.get("/lookup/customers/", {"q": query})

    assert response.status_code == 400
    assert list(response.json()) == ["q"]


def test_an_id_no_database_holds_names_no_record(client, personas):
    client.force_login(personas["rep1"])

    response = client.get("/orders/", {"customer": "²"})

    assert response.status_code == 200
