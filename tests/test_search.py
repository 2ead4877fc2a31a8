"""One search (core.search) for the lists, the look-ups and the API: through indexes, finding what icontains found.

Each test runs on SQLite (FTS5 trigram tables kept by triggers) and on PostgreSQL (pg_trgm
GIN indexes) alike: DATABASE_URL=postgres://... for the second.
"""

import json
import operator
from functools import reduce

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from gendan.automation.search import TASKS
from gendan.catalog.models import Product
from gendan.catalog.search import PRODUCTS
from gendan.core.lists import capped_count
from gendan.core.search import (
    Searchable,
    character_index,
    fts_phrase,
    fts_table,
    registered,
    search,
    short_fts_table,
    trigram_index,
)
from gendan.core.search_indexes import statements
from gendan.crm.models import Customer
from gendan.crm.search import CUSTOMERS, FOLLOW_UPS, MEETINGS
from gendan.finance.models import Invoice, Payment
from gendan.finance.search import INVOICES, PAYMENTS
from gendan.fulfillment.models import Shipment
from gendan.fulfillment.search import SHIPMENTS
from gendan.inventory.models import StockLevel
from gendan.inventory.search import STOCK_LEVELS, STOCK_MOVES, WAREHOUSES
from gendan.sales.models import Order, OrderStatus, Quotation
from gendan.sales.search import ORDER_NUMBERS, ORDERS, QUOTATIONS
from gendan.sales.tests.quotation_helpers import quotation_at
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products
from tests.factories import ContactFactory, CustomerFactory, customer_ready_to_order
from tests.stages import order_at

pytestmark = pytest.mark.django_db

CUSTOMER_TEXT = ("name", "code", "phone", "tax_id")

NAMES = [
    ('O\'Brien "Quote" Trading', "021-5555 0000", "91310000X"),
    ("100% 纯棉 a_b\\c", "", ""),
    ("深圳市华为技术有限公司", "0755-28780808", "914403001922038216"),
    ("ACME Trading", "", ""),
    ("acme parts", "13800000000", ""),
    ("Fish AND Chips OR NEAR", "", ""),
    ("Star*Power ^caret -minus +plus col:on", "", ""),
    ("Äpfel GmbH", "", ""),
    ("äpfel gmbh", "", ""),
    ("张三商行", "", ""),
]

TERMS = [
    "'",
    '"',
    '""',
    '"Quote"',
    "o'b",
    "%",
    "0%",
    "100%",
    "_",
    "a_b",
    "a%b",
    "\\",
    "b\\c",
    "华为",
    "华",
    "深圳市华为",
    "有限公司",
    "acme",
    "AcMe",
    "ACME T",
    "e t",
    "AND",
    "and chips",
    "OR",
    "NEAR",
    "NEAR(",
    "*",
    "r*P",
    "^ca",
    "col:",
    "-minus",
    "+plus",
    "äpfel",
    "ÄPFEL",
    "张三",
    "张",
    "5555 0",
    "0755",
    "9144",
    "zzz",
    # Shorter than a trigram, with and without case (PostgreSQL scans them as they are or uppercased).
    "ä",
    "Ä",
    "pF",
    "a",
    "0",
    "7-",
    # Single characters in order (为华 is in no name), separators the character index drops, and digits.
    "为华",
    "-m",
    "e ",
    "_b",
    "0-",
    "55",
    "%_%",
    "   ",
    "  acme  ",
]


def icontains_any(queryset, fields, term):
    """The search before core.search: icontains on each field (the filter had stripped the term)."""
    term = term.strip()
    if not term:
        return queryset
    return queryset.filter(reduce(operator.or_, (Q(**{f"{name}__icontains": term}) for name in fields)))


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


@pytest.fixture(params=["through the indexes", "walking the rows"])
def plan_of_search(request, settings):
    """Each result test twice: as a term finding few rows, and as one finding many (every term that finds one)."""
    if request.param == "walking the rows":
        settings.SEARCH_MANY_MATCHES = 1
    return request.param


@pytest.fixture
def named_customers(personas):
    for number, (name, phone, tax_id) in enumerate(NAMES):
        CustomerFactory(name=name, code=f"K{number:03d}", phone=phone, tax_id=tax_id, owner=personas["rep1"])


@pytest.mark.parametrize("term", TERMS)
def test_text_is_found_exactly_as_icontains_found_it(named_customers, term, plan_of_search):
    text_only = Searchable(Customer, text=CUSTOMER_TEXT)

    found = search(Customer.objects.all(), text_only, term)

    assert codes(found) == codes(icontains_any(Customer.objects.all(), CUSTOMER_TEXT, term))


def test_tricky_terms_find_what_they_hold(named_customers, plan_of_search):
    text_only = Searchable(Customer, text=CUSTOMER_TEXT)

    def names(term):
        return sorted(search(Customer.objects.all(), text_only, term).values_list("name", flat=True))

    # FTS5's operators and quotes are plain text; LIKE's wildcards too.
    assert names('"Quote"') == ['O\'Brien "Quote" Trading']
    assert names("OR NEAR") == ["Fish AND Chips OR NEAR"]
    assert names("r*P") == ["Star*Power ^caret -minus +plus col:on"]
    assert names("0%") == ["100% 纯棉 a_b\\c"]
    assert names("a%b") == []
    assert names("b\\c") == ["100% 纯棉 a_b\\c"]
    # ASCII case never matters; shorter than a trigram still finds.
    assert names("acme") == ["ACME Trading", "acme parts"]
    assert names("华为") == ["深圳市华为技术有限公司"]
    assert names("张") == ["张三商行"]


def test_a_customer_is_found_by_its_contacts_name_or_phone(personas, plan_of_search):
    customer = CustomerFactory(name="苏州远航精密", owner=personas["rep1"])
    ContactFactory(customer=customer, name="欧阳娜娜", phone="13912345678")
    ContactFactory(customer=customer, name="李雷", phone="")
    CustomerFactory(name="无锡远航", owner=personas["rep1"])

    for term in ("欧阳娜娜", "欧阳", "1391234", "李雷"):
        assert list(search(Customer.objects.all(), CUSTOMERS, term)) == [customer]


def test_numbers_are_found_by_prefix_whatever_the_case_typed(personas, plan_of_search):
    _warehouse, products = stocked_products(1)
    first = draft_order(personas["rep1"], products)
    second = draft_order(personas["rep1"], products)
    orders = Order.objects.all()

    def numbers(term):
        return sorted(search(orders, ORDER_NUMBERS, term).values_list("number", flat=True))

    assert numbers("so") == sorted([first.number, second.number])
    assert numbers(first.number.lower()) == [first.number]
    assert numbers(first.number[:-1]) == sorted([first.number, second.number])
    # A prefix, not a piece from the middle; LIKE's wildcards are characters like any other.
    assert numbers(first.number[2:]) == []
    assert numbers("S_") == []
    assert numbers("S%") == []
    assert numbers(first.number + "0") == []


def test_orders_are_found_by_number_or_by_their_customer(personas, plan_of_search):
    _warehouse, products = stocked_products(1)
    customer = customer_ready_to_order(personas["rep1"], name="宁波海天塑机")
    ContactFactory(customer=customer, name="诸葛亮")
    by_customer = draft_order(personas["rep1"], products, customer=customer)
    other = draft_order(personas["rep1"], products)

    def found(term):
        return set(search(Order.objects.all(), ORDERS, term))

    assert found("海天") == {by_customer}
    assert found("宁波海天塑机") == {by_customer}
    assert found("诸葛亮") == {by_customer}
    assert found(other.number) == {other}
    assert found("so") == {by_customer, other}


def test_the_text_index_follows_every_write(personas):
    owner = personas["rep1"]
    Customer.objects.bulk_create(
        [Customer(name="北极星贸易", code="B1", owner=owner), Customer(name="南极光电", code="B2", owner=owner)]
    )

    def found(term):
        return codes(search(Customer.objects.all(), CUSTOMERS, term))

    assert found("北极星") == ["B1"]
    assert found("南极光电") == ["B2"]

    Customer.objects.filter(code="B1").update(name="北斗星贸易")
    assert found("北极星") == []
    assert found("北斗星") == ["B1"]

    second = Customer.objects.get(code="B2")
    second.name = "南极光学"
    second.save()
    assert found("南极光电") == []
    assert found("南极光学") == ["B2"]

    second.phone = "0574-8888"
    second.save(update_fields=["phone"])
    assert found("0574-8") == ["B2"]

    second.phone = ""
    Customer.objects.bulk_update([second], ["phone"])
    assert found("0574-8") == []

    Customer.objects.filter(code="B1").delete()
    assert found("北斗星") == []
    second.delete()
    assert found("南极光学") == []
    _index_agrees_with_table("crm_customer")


def test_the_index_of_single_characters_follows_every_write(personas):
    owner = personas["rep1"]
    Customer.objects.bulk_create(
        [Customer(name="北极星贸易", code="B1", owner=owner), Customer(name="南极光电", code="B2", owner=owner)]
    )

    def found(term):
        return codes(search(Customer.objects.all(), CUSTOMERS, term))

    assert found("极") == ["B1", "B2"]
    assert found("星贸") == ["B1"]
    assert found("贸星") == []

    Customer.objects.filter(code="B1").update(name="北斗七星")
    assert found("贸") == []
    assert found("斗") == ["B1"]

    second = Customer.objects.get(code="B2")
    second.phone = "0574-8888"
    second.save(update_fields=["phone"])
    assert found("-8") == ["B2"]
    assert found("48") == []
    _short_index_agrees_with_table("crm_customer")

    Customer.objects.filter(code="B1").delete()
    assert found("斗") == []
    second.delete()
    assert found("极") == []
    _short_index_agrees_with_table("crm_customer")


def _short_index_agrees_with_table(table):
    """On SQLite, the table of single characters holds each row's text spaced out, and nothing else."""
    if connection.vendor != "sqlite":
        return
    short = short_fts_table(table)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT rowid, name FROM "{short}" ORDER BY rowid')
        indexed = cursor.fetchall()
        cursor.execute(f'SELECT id, name FROM "{table}" ORDER BY id')
        rows = cursor.fetchall()
    assert indexed == [(pk, " ".join(name)) for pk, name in rows]


def _index_agrees_with_table(table):
    if connection.vendor != "sqlite":
        return
    fts = fts_table(table)
    with connection.cursor() as cursor:
        # Fails with "database disk image is malformed" when the index and the rows disagree.
        cursor.execute(f'INSERT INTO "{fts}"("{fts}", rank) VALUES (\'integrity-check\', 1)')


def test_the_migration_indexes_the_rows_already_there(personas):
    made, dropped = statements(connection.vendor, Product, ["sku", "name"])
    with connection.cursor() as cursor:
        for sql in dropped:
            cursor.execute(sql)
        Product.objects.create(sku="OLD-1", name="旧款减速机", unit="pcs", list_price=1, floor_price=1, cost=1)
        for sql in made:
            cursor.execute(sql)

    assert list(search(Product.objects.all(), PRODUCTS, "减速机").values_list("sku", flat=True)) == ["OLD-1"]
    _index_agrees_with_table("catalog_product")


def test_a_search_never_sees_beyond_the_users_scope(client, personas, plan_of_search):
    _warehouse, products = stocked_products(1)
    mine = customer_ready_to_order(personas["rep1"], name="星河贸易一部")
    theirs = customer_ready_to_order(personas["rep3"], name="星河贸易二部")
    my_order = draft_order(personas["rep1"], products, customer=mine)
    their_order = draft_order(personas["rep3"], products, customer=theirs)
    rep1 = personas["rep1"]

    assert list(search(Customer.objects.visible_to(rep1), CUSTOMERS, "星河贸易")) == [mine]
    assert list(search(Order.objects.visible_to(rep1), ORDERS, "星河贸易")) == [my_order]
    assert list(search(Order.objects.visible_to(rep1), ORDERS, their_order.number)) == []

    api = api_as(rep1)
    assert [row["id"] for row in api.get("/api/v1/customers/", {"search": "星河贸易"}).json()["results"]] == [mine.pk]
    assert [row["id"] for row in api.get("/api/v1/orders/", {"q": "星河贸易"}).json()["results"]] == [my_order.pk]
    assert api.get("/api/v1/orders/", {"search": their_order.number}).json()["results"] == []

    client.force_login(rep1)
    page = client.get("/orders/", {"q": "星河贸易"}).content.decode()
    assert my_order.number in page
    assert their_order.number not in page
    looked_up = json.loads(client.get("/lookup/customers/", {"q": "星河"}).content)
    assert [row["id"] for row in looked_up] == [mine.pk]


def test_the_api_search_wants_every_term_and_refuses_a_nul(personas, plan_of_search):
    owner = personas["rep1"]
    both = CustomerFactory(name="杭州 东方 电气", owner=owner)
    CustomerFactory(name="杭州 西湖 电气", owner=owner)
    api = api_as(owner)

    response = api.get("/api/v1/customers/", {"search": "杭州 东方"})
    quoted = api.get("/api/v1/customers/", {"search": '"州 东"'})
    nul = api.get("/api/v1/customers/", {"search": "杭\x00州"})

    assert [row["id"] for row in response.json()["results"]] == [both.pk]
    assert [row["id"] for row in quoted.json()["results"]] == [both.pk]
    assert nul.status_code == 400


def test_the_api_documents_its_search_parameter(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    for path in ("/api/v1/customers/", "/api/v1/orders/", "/api/v1/invoices/", "/api/v1/products/"):
        names = [parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]]
        assert "search" in names, path


def test_fts5_strings_double_their_quotes():
    assert fts_phrase('say "hi" OR *') == '"say ""hi"" OR *"'


# --- the indexes -------------------------------------------------------------------------------


def every_description() -> list[Searchable]:
    """The registered descriptions, those the lists use, and every one they search through."""
    found: dict[int, Searchable] = {}
    waiting = [
        *registered(),
        FOLLOW_UPS,
        MEETINGS,
        STOCK_LEVELS,
        STOCK_MOVES,
        WAREHOUSES,
        TASKS,
        INVOICES,
    ]
    while waiting:
        searchable = waiting.pop()
        if id(searchable) not in found:
            found[id(searchable)] = searchable
            waiting += [other for _name, other in searchable.through]
    return list(found.values())


def test_every_searched_text_field_has_its_index():
    indexed = [s for s in every_description() if s.text]
    assert {s.model._meta.label for s in indexed} >= {"crm.Customer", "crm.Contact", "catalog.Product", "crm.Lead"}
    for searchable in indexed:
        definitions = _index_definitions(searchable, fts_table, trigram_index)
        assert all("gin_trgm_ops" in found and "upper" in found for found in definitions), definitions


def test_the_tables_searched_by_one_or_two_characters_have_their_index_of_characters():
    indexed = [s for s in every_description() if s.short_terms]
    assert {s.model._meta.label for s in indexed} == {"crm.Customer", "crm.Contact"}
    for searchable in indexed:
        definitions = _index_definitions(searchable, short_fts_table, character_index)
        assert all("string_to_array(upper" in found and "gin" in found for found in definitions), definitions


def _index_definitions(searchable, fts_name, index_name) -> list[str]:
    """On SQLite, checks the FTS5 table `fts_name` names and its triggers (and gives nothing back); on
    PostgreSQL, gives back the definition of each text column's index that `index_name` names."""
    table = searchable.model._meta.db_table
    columns = [searchable.model._meta.get_field(name).column for name in searchable.text]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            fts = fts_name(table)
            cursor.execute(f'PRAGMA table_info("{fts}")')
            assert [row[1] for row in cursor.fetchall()] == columns, fts
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            assert {row[0] for row in cursor.fetchall()} >= {f"{fts}_insert", f"{fts}_update", f"{fts}_delete"}
            return []
        definitions = []
        for column in columns:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index_name(table, column)])
            (definition,) = cursor.fetchone()
            definitions.append(definition)
        assert len(definitions) == len(columns)
        return definitions


def plan(queryset) -> str:
    return plan_of(*queryset.query.sql_with_params())


def plan_of(sql, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(row[3] for row in cursor.fetchall())
        # A handful of rows would be read whole; what matters is that an index can serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def searched(queryset, searchable, term):
    """`search(...)`, and the statements its probe ran, each with its plan."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        found = search(queryset, searchable, term)
    return found, [(sql, plan_of(sql, params)) for sql, params in statements]


def test_the_order_search_reads_indexes_only(personas):
    customer = CustomerFactory(name="深圳市华为技术有限公司", owner=personas["rep1"])
    # Something to find: a term the probe finds nowhere asks for no rows, and so has no plan.
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products, customer=customer)
    Order.objects.filter(pk=order.pk).update(number="SO20250100001")
    # Unordered: on a handful of rows PostgreSQL may as well walk the list's date index and filter.
    by_number = plan(search(Order.objects.order_by(), ORDER_NUMBERS, "so2025"))
    # As the lists read them: with their related rows joined (an OR would turn into a scan here on SQLite).
    found, probe = searched(Order.objects.select_related("customer", "owner", "warehouse"), ORDERS, "华为技术")
    by_name = plan(found)
    # The probe reads the matching customers' keys (by name, by contact) through their indexes, once: the
    # search that lists the orders is given those keys and reads neither table again.
    keys, counted = (probe_plan for _sql, probe_plan in probe)
    assert "crm_contact" not in str(found.query) and "crm_customer_search" not in str(found.query)

    if connection.vendor == "sqlite":
        assert "(number>? AND number<?)" in by_number
        assert "crm_customer_search VIRTUAL TABLE" in keys and "crm_contact_search VIRTUAL TABLE" in keys
        assert "order_customer_idx (customer_id=?)" in by_name and "order_customer_idx (customer_id=?)" in counted
        # (`found`: the keys just read, `json_each`: the keys given back.)
        scans = [line for line in "\n".join([by_number, by_name, keys, counted]).splitlines() if "SCAN" in line]
        assert all("VIRTUAL TABLE" in line or line in {"SCAN CONSTANT ROW", "SCAN found"} for line in scans), scans
    else:
        assert "_like" in by_number
        assert "crm_customer_name_trgm" in keys and "crm_contact_name_trgm" in keys
        # Either index that starts with the customer (order_customer_idx, order_customer_status_idx).
        assert "order_customer_" in by_name and "order_customer_" in counted
        assert "Seq Scan" not in by_number + by_name + keys + counted
        # The found orders are computed once and picked at the orders' own scan, however many joins the list makes.
        assert "InitPlan" in by_name and "(id = ANY ($" in by_name


@pytest.mark.parametrize("term", ["华", "华为"])
def test_a_term_shorter_than_a_trigram_reads_the_customers_once_and_no_trigram_index(personas, term):
    customer = CustomerFactory(name="深圳市华为技术有限公司", owner=personas["rep1"])
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products, customer=customer)

    found, probe = searched(Order.objects.order_by("-created_at", "-id"), ORDERS, term)

    assert list(found) == [order]
    assert "crm_customer" not in str(found.query)
    # On PostgreSQL a LIKE without a trigram in it would read the whole trigram index. The customers and
    # contacts are read through the indexes of their characters instead.
    plans = "\n".join(probe_plan for _sql, probe_plan in probe)
    assert "_trgm" not in plans
    if connection.vendor == "sqlite":
        assert "crm_customer_short VIRTUAL TABLE" in plans and "crm_contact_short VIRTUAL TABLE" in plans
    else:
        assert "crm_customer_name_chars" in plans and "crm_contact_name_chars" in plans


def test_a_broad_term_tests_each_row_it_walks_without_reading_every_customer_first(personas, settings):
    settings.SEARCH_MANY_MATCHES = 1
    _warehouse, products = stocked_products(1)
    draft_order(personas["rep1"], products, customer=customer_ready_to_order(personas["rep1"], name="宁波有限公司"))

    page = plan(search(Order.objects.order_by("-created_at", "-id"), ORDERS, "有限公司")[:25])
    counted = plan(search(Order.objects.order_by(), ORDERS, "有限公司")[:10_001])

    # PostgreSQL would hash every matching customer (and contact) before testing the first order (an EXISTS
    # turned into a hashed subplan): each order's customer is looked up instead.
    assert "hashed" not in page + counted
    assert "crm_customer_pkey" in page or "PRIMARY KEY" in page


def test_payments_shipments_and_quotations_are_found_through_indexes(personas):
    # Something to find: a term the probe finds nowhere asks for no rows, and so has no plan.
    order = order_at(OrderStatus.CLOSED, personas)
    Payment.objects.filter(customer=order.customer).update(reference="银行流水12345")
    Shipment.objects.filter(order=order).update(tracking_number="SF12345678")
    quotation = quotation_at("draft", personas)
    Quotation.objects.filter(pk=quotation.pk).update(number="QT20250100001")
    by_reference = plan(search(Payment.objects.order_by(), PAYMENTS, "银行流水1234"))
    by_tracking = plan(search(Shipment.objects.order_by(), SHIPMENTS, "SF1234"))
    by_quotation = plan(search(Quotation.objects.order_by(), QUOTATIONS, "qt2025"))

    if connection.vendor == "sqlite":
        assert "finance_payment_search VIRTUAL TABLE" in by_reference
        assert "fulfillment_shipment_search VIRTUAL TABLE" in by_tracking
        assert "(number>? AND number<?)" in by_quotation
        plans = by_reference + "\n" + by_tracking + "\n" + by_quotation
        scans = [line for line in plans.splitlines() if line.startswith("SCAN")]
        assert all("VIRTUAL TABLE" in line for line in scans), scans
    else:
        assert trigram_index("finance_payment", "reference") in by_reference
        assert trigram_index("fulfillment_shipment", "tracking_number") in by_tracking
        assert "sales_quotation_number_like" in by_quotation
        assert "Seq Scan" not in by_reference + by_tracking + by_quotation


def test_a_scoped_search_never_loops_its_matches_over_a_joined_index(personas):
    # A rep's invoices are scoped through their orders. Given `id IN (<matches>)`, SQLite took
    # each of the rep's orders and looked up every match in the invoices' (order_id, rowid) index:
    # orders times matches, seconds at ten thousand orders.
    order = order_at(OrderStatus.CLOSED, personas)
    Customer.objects.filter(pk=order.customer_id).update(name="宁波华东机电有限公司")
    invoices = plan(search(Invoice.objects.visible_to(personas["rep1"]), INVOICES, "有限公司"))

    assert "rowid=?)" not in invoices.replace("(rowid=?)", "")


def test_a_reps_search_finding_few_rows_starts_from_them_not_from_the_reps_rows_by_date(personas):
    # A rep's shipments are walked by date through (owner, created) for the list; a tracking number finds a few.
    # SQLite, guessing ten rows for the rep's, walked all of them testing each against the few found.
    order = order_at(OrderStatus.CLOSED, personas)
    Shipment.objects.filter(order=order).update(tracking_number="SF12345678")
    rep = personas["rep1"]
    listed = Shipment.objects.visible_to(rep).order_by("-created_at", "-id")

    found = search(listed, SHIPMENTS, "SF1234")
    counted = search(Shipment.objects.visible_to(rep), SHIPMENTS, "SF1234")

    assert list(found) == list(Shipment.objects.filter(order=order, owner=rep).order_by("-created_at", "-id"))
    assert found.count() == counted.count() == 1
    assert search(Shipment.objects.visible_to(personas["rep3"]), SHIPMENTS, "SF1234").count() == 0
    if connection.vendor == "sqlite":
        for plan_lines in (plan(found), plan(counted)):
            assert "shipment_owner" not in plan_lines.splitlines()[0], plan_lines


def test_a_term_finding_many_rows_finds_the_same_in_a_page_and_in_a_count(personas, settings):
    _warehouse, products = stocked_products(1)
    rep1 = personas["rep1"]
    customer = customer_ready_to_order(rep1, name="宁波海天塑机有限公司")
    ContactFactory(customer=customer, name="诸葛亮")
    draft_order(rep1, products, customer=customer)
    draft_order(rep1, products)
    draft_order(personas["rep3"], products, customer=customer_ready_to_order(personas["rep3"], name="海天二厂"))
    few = settings.SEARCH_MANY_MATCHES

    for term in ("有限公司", "so", "诸葛", "海天", "zzz"):
        for user in (personas["admin"], rep1):
            rows = Order.objects.visible_to(user)
            settings.SEARCH_MANY_MATCHES = few
            expected = set(search(rows.order_by(), ORDERS, term))
            settings.SEARCH_MANY_MATCHES = 1
            page = list(search(rows.order_by("-created_at", "-id"), ORDERS, term))
            unordered = set(search(rows.order_by(), ORDERS, term))
            counted = capped_count(search(rows, ORDERS, term))
            assert set(page) == unordered == expected, term
            assert counted == len(expected), term


def test_a_term_finding_many_orders_of_few_customers_counts_them_through_the_customers_keys(personas, settings):
    _warehouse, products = stocked_products(1)
    rep1 = personas["rep1"]
    customer = customer_ready_to_order(rep1, name="温州瓯海阀门厂")
    for _ in range(3):
        draft_order(rep1, products, customer=customer)
    draft_order(rep1, products)
    draft_order(personas["rep3"], products, customer=customer_ready_to_order(personas["rep3"], name="瓯海二厂"))
    # Two customers are few (their keys are read once), their four orders many (tested on the rows walked).
    settings.SEARCH_MANY_MATCHES = 3

    for user, expected in ((personas["admin"], 4), (rep1, 3)):
        rows = Order.objects.visible_to(user)
        page = list(search(rows.order_by("-created_at", "-id"), ORDERS, "瓯海"))
        with CaptureQueriesContext(connection) as counting:
            counted = capped_count(search(rows, ORDERS, "瓯海"))

        assert len(page) == counted == expected
        assert {order.customer.name for order in page} <= {"温州瓯海阀门厂", "瓯海二厂"}
        if connection.vendor == "postgresql":
            # The count reads the customers' orders through order_customer_idx, not every order row by row.
            assert "= ANY(" in counting.captured_queries[-1]["sql"]


# On PostgreSQL a number prefix alone is planned by its statistics, which these few rows do not give (at
# 30,000 orders it walks the date index); a customer's name is tested on each order's customer.
@pytest.mark.parametrize("term", ["宁波", "so"] if connection.vendor == "sqlite" else ["宁波"])
def test_a_term_finding_many_rows_walks_the_lists_order(personas, settings, term):
    settings.SEARCH_MANY_MATCHES = 1
    _warehouse, products = stocked_products(1)
    draft_order(personas["rep1"], products, customer=customer_ready_to_order(personas["rep1"], name="宁波海天"))

    page = plan(search(Order.objects.order_by("-created_at", "-id"), ORDERS, term)[:25])

    if connection.vendor == "sqlite":
        assert "SCAN sales_order USING INDEX order_created_idx" in page
        assert "TEMP B-TREE" not in page
    else:
        assert "order_created_idx" in page and "Sort" not in page


def test_a_description_with_only_relations_finds_nothing_when_no_related_row_matches(personas, plan_of_search):
    _warehouse, products = stocked_products(1)

    assert list(search(StockLevel.objects.all(), STOCK_LEVELS, "zzz")) == []
    assert capped_count(search(StockLevel.objects.all(), STOCK_LEVELS, "zzz")) == 0
    assert set(search(StockLevel.objects.all(), STOCK_LEVELS, products[0].name)) == set(
        StockLevel.objects.filter(product=products[0])
    )
