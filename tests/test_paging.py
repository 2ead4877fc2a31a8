"""Lists at a million rows: the count stops at LIST_COUNT_CAP, deep pages are found by keyset, not OFFSET."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gendan.core import lists, worklists
from gendan.core.pagination import ListPagination
from gendan.crm.models import Customer
from gendan.crm.tables import CustomerTable
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products
from tests.factories import CustomerFactory

URL = reverse("crm:customer_list")


def _customers(owner, count):
    # Names repeat, so sorting by name leaves ties for the primary key to break.
    return [CustomerFactory(owner=owner, name=f"客户{n % 7}") for n in range(count)]


def _link(response, rel):
    match = re.search(rf'href="([^"]*)" rel="{rel}"', response.content.decode())
    # The pager's links are relative: a query string on the list's own path.
    return URL + unescape(match.group(1)) if match else None


def _walk(client, first_url, rel):
    """The pks of every page reached by following the pager's `rel` links, and the links followed."""
    pks, links, url = [], [], first_url
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pks.extend(customer.pk for customer in response.context["page_obj"])
        url = _link(response, rel)
        links.append(url)
        assert len(links) < 100
    return pks, links, response


@pytest.fixture
def capped(settings, monkeypatch):
    settings.LIST_COUNT_CAP = 5
    monkeypatch.setattr(lists, "PAGE_SIZE", 4)


def test_a_list_past_the_cap_says_more_than_the_cap_and_pages_without_a_last_page(client, personas, capped, english):
    _customers(personas["rep1"], 12)
    client.force_login(personas["admin"])

    pks, links, last = _walk(client, URL, "next")

    first = client.get(URL)
    assert (first.context["page_obj"].paginator.count, first.context["page_obj"].paginator.capped) == (5, True)
    assert "1–4 of more than 5" in first.content.decode()
    assert 'aria-label="Last"' not in first.content.decode()
    assert sorted(pks) == sorted(Customer.objects.values_list("pk", flat=True))
    assert len(links) == 3 and last.context["page_obj"].number == 3
    assert "9–12 of more than 5" in last.content.decode()
    back, _links, _first = _walk(client, _link(last, "prev"), "prev")
    assert back == pks[4:8] + pks[:4]


def test_a_list_under_the_cap_counts_exactly_and_offers_the_last_page(client, personas, settings, english):
    settings.LIST_COUNT_CAP = 50
    _customers(personas["rep1"], 27)
    client.force_login(personas["admin"])

    response = client.get(URL)

    assert (response.context["page_obj"].paginator.count, response.context["page_obj"].paginator.capped) == (27, False)
    assert "1–25 of 27" in response.content.decode()
    assert 'aria-label="Last"' in response.content.decode()


def test_the_count_reads_no_more_rows_than_the_cap_and_one(client, personas, capped):
    _customers(personas["rep1"], 12)
    client.force_login(personas["admin"])

    with CaptureQueriesContext(connection) as queries:
        client.get(URL)

    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*) FROM (SELECT")]
    assert len(counts) == 1
    assert "crm_customer" in counts[0] and re.search(r"LIMIT 6\)", counts[0])


SORTS = [f"{sign}{key}" for key, column in CustomerTable.base_columns.items() if column.orderable for sign in ("", "-")]


@pytest.mark.parametrize("sort", SORTS)
def test_walking_by_cursors_returns_every_row_once_in_order(client, personas, settings, monkeypatch, sort):
    settings.LIST_KEYSET_FROM_PAGE = 1
    _customers(personas["rep1"], 60)
    client.force_login(personas["admin"])
    monkeypatch.setattr(lists, "PAGE_SIZE", 100)
    in_order = [customer.pk for customer in client.get(URL, {"sort": sort}).context["page_obj"]]
    monkeypatch.setattr(lists, "PAGE_SIZE", 7)

    forward, links, last = _walk(client, f"{URL}?sort={sort}", "next")
    backward, _links, first = _walk(client, _link(last, "prev"), "prev")

    assert forward == in_order and len(in_order) == 60
    assert backward == [pk for page in reversed(range(0, 56, 7)) for pk in in_order[page : page + 7]]
    assert first.context["page_obj"].number == 1 and not first.context["page_obj"].has_previous()
    assert last.context["page_obj"].number == 9
    keyset = lists.keyset_of(Customer, CustomerTable.order_fields(sort)) is not None
    # Sorts on a model field go by cursor; the count of open orders (an annotation) by page number.
    assert keyset == (sort.lstrip("-") != "open_orders")
    assert all(("after=" in link) == keyset for link in links[:-1])


def test_a_page_found_by_cursor_uses_no_offset(client, personas, settings, monkeypatch):
    settings.LIST_KEYSET_FROM_PAGE = 1
    monkeypatch.setattr(lists, "PAGE_SIZE", 4)
    _customers(personas["rep1"], 12)
    client.force_login(personas["admin"])
    second = _link(client.get(URL), "next")

    with CaptureQueriesContext(connection) as queries:
        client.get(second)

    pages = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT") and "LIMIT 5" in q["sql"]]
    assert pages and not any("OFFSET" in sql for sql in pages)


@pytest.mark.parametrize(
    "query",
    [{"after": "garbled"}, {"before": "x:y:z", "page": "7"}, {"after": "", "page": "abc"}, {"after": "a" * 500}],
)
def test_a_bad_cursor_gives_the_first_page(client, personas, settings, monkeypatch, query):
    settings.LIST_KEYSET_FROM_PAGE = 1
    monkeypatch.setattr(lists, "PAGE_SIZE", 4)
    _customers(personas["rep1"], 12)
    client.force_login(personas["admin"])

    response = client.get(URL, query)

    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert list(response.context["page_obj"]) == list(client.get(URL).context["page_obj"])


def test_the_api_caps_its_count_and_keeps_its_keys(personas, settings, monkeypatch):
    settings.LIST_COUNT_CAP = 5
    monkeypatch.setattr(ListPagination, "page_size", 4)
    _customers(personas["rep1"], 12)
    api = api_as(personas["admin"])

    ids, url, bodies = [], "/api/v1/customers/", []
    while url:
        body = api.get(url).json()
        bodies.append(body)
        ids.extend(row["id"] for row in body["results"])
        url = body["next"]

    assert [set(body) for body in bodies] == [{"count", "count_capped", "next", "previous", "results"}] * 3
    assert [(body["count"], body["count_capped"]) for body in bodies] == [(5, True)] * 3
    assert bodies[0]["previous"] is None and bodies[2]["previous"]
    assert sorted(ids) == sorted(Customer.objects.values_list("pk", flat=True))


def test_the_api_counts_exactly_under_the_cap(personas):
    _customers(personas["rep1"], 3)

    body = api_as(personas["admin"]).get("/api/v1/customers/").json()

    assert (body["count"], body["count_capped"], body["next"]) == (3, False, None)


def test_the_navigation_shows_a_worklist_past_the_cap_as_the_cap_and_a_plus(client, personas, settings):
    settings.LIST_COUNT_CAP = 1
    _warehouse, products = stocked_products(count=1)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for _ in range(3):
        order_submit(order=draft_order(personas["rep1"], products, promised_date=yesterday), actor=personas["rep1"])
    client.force_login(personas["rep1"])

    nav = client.get(reverse("core:worklist_nav")).content.decode()

    assert {w.key: c for w, c in worklists.with_counts(personas["rep1"])}["sales.orders_attention"] == 2
    assert 'data-testid="nav-worklist-count">1+<' in nav


@pytest.mark.parametrize("page", ["500", "3", "4", "999999999999", "-1", "x"])
def test_a_page_number_past_the_counted_rows_gives_a_real_page(client, personas, capped, page):
    _customers(personas["rep1"], 12)
    client.force_login(personas["admin"])

    response = client.get(URL, {"page": page})

    assert response.status_code == 200
    assert len(response.context["page_obj"]) > 0


def _api_walk(api, url, rel):
    ids, links = [], []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        ids.extend(row["id"] for row in response.json()["results"])
        url = response.json()[rel]
        links.append(url)
        assert len(links) < 100
    return ids, links


@pytest.mark.parametrize("ordering", ["", "name", "-name"])
def test_the_api_pages_deep_by_cursor_and_gives_every_row_once(personas, settings, monkeypatch, ordering):
    settings.LIST_COUNT_CAP = 5
    monkeypatch.setattr(ListPagination, "page_size", 4)
    _customers(personas["rep1"], 15)
    api = api_as(personas["admin"])
    first = f"/api/v1/customers/?ordering={ordering}" if ordering else "/api/v1/customers/"
    settings.LIST_KEYSET_FROM_PAGE = 1000
    by_number, _links = _api_walk(api, first, "next")
    settings.LIST_KEYSET_FROM_PAGE = 2

    ids, links = _api_walk(api, first, "next")

    # Page 2 is reached by number, pages 3 and 4 from the row before them.
    assert ["after=" in link for link in links[:-1]] == [False, True, True]
    assert [re.search(r"page=(\d+)", link).group(1) for link in links[:-1]] == ["2", "3", "4"]
    assert ids == by_number and sorted(ids) == sorted(Customer.objects.values_list("pk", flat=True))
    # Back from the last page: cursors while deep, page numbers near the start, the same rows in reverse page order.
    last = links[-2]
    back_ids, back_links = _api_walk(api, last, "previous")
    assert ["before=" in link for link in back_links[:-1]] == [True, False, False]
    assert back_ids == ids[12:] + ids[8:12] + ids[4:8] + ids[:4]


def test_the_api_answers_a_forged_cursor_with_404(personas, settings):
    _customers(personas["rep1"], 3)

    response = api_as(personas["admin"]).get("/api/v1/customers/", {"after": "forged"})

    assert response.status_code == 404


@pytest.mark.parametrize("capped_count", [True, False], ids=["capped", "counted"])
@pytest.mark.parametrize("ordering", ["", "name", "-name"])
def test_a_deep_page_by_number_skips_on_the_lists_table_alone_and_gives_the_offset_pages_rows(
    personas, settings, monkeypatch, ordering, capped_count
):
    settings.LIST_COUNT_CAP = 5 if capped_count else 50
    monkeypatch.setattr(ListPagination, "page_size", 4)
    _customers(personas["rep1"], 15)
    api = api_as(personas["admin"])
    settings.LIST_KEYSET_FROM_PAGE = 1000
    by_offset = [api.get("/api/v1/customers/", {"ordering": ordering, "page": n}).json() for n in (3, 4)]
    settings.LIST_KEYSET_FROM_PAGE = 3

    with CaptureQueriesContext(connection) as sent:
        deep = [api.get("/api/v1/customers/", {"ordering": ordering, "page": n}).json() for n in (3, 4)]

    assert [page["results"] for page in deep] == [page["results"] for page in by_offset]
    assert [len(page["results"]) for page in deep] == [4, 3]
    # The skipping statement reads the customers' keys alone: no join to their owners or contacts.
    skipping = [q["sql"] for q in sent.captured_queries if "OFFSET" in q["sql"]]
    assert len(skipping) == 2
    assert all(
        " JOIN " not in sql and sql.startswith('SELECT "crm_customer"."id" AS "pk" FROM "crm_customer" ORDER BY')
        for sql in skipping
    )


def _names_on_page(response):
    return [customer.name for customer in response.context["page_obj"]]


def test_a_sort_no_index_serves_waits_for_a_list_narrowed_to_the_sort_cap(client, personas, capped, settings, english):
    # The sort's own cap, above the count's: a list longer than the count's cap still sorts.
    settings.LIST_COUNT_CAP = 1
    settings.LIST_SORT_CAP = 5
    rep = personas["rep1"]
    _customers(rep, 6)
    CustomerFactory(owner=personas["rep2"], name="乙")
    CustomerFactory(owner=personas["rep2"], name="甲")
    client.force_login(personas["admin"])

    long_list = client.get(URL, {"sort": "-created"})
    narrowed = client.get(URL, {"sort": "-created", "owner": personas["rep2"].pk})
    indexed = client.get(URL, {"sort": "-name"})

    # 8 customers, more than the cap of 5: the default order (by name), and a word on how to sort
    assert long_list.status_code == 200
    assert _names_on_page(long_list) == sorted(_names_on_page(long_list))
    assert (
        "Sorting by “Created” needs a list of at most 5 rows: narrow it with the filters." in long_list.content.decode()
    )
    # narrowed to 2 by a filter, the sort applies; a sort an index serves applies at any length
    assert "needs a list of at most" not in narrowed.content.decode()
    assert narrowed.context["table"].sort == "-created"
    assert _names_on_page(narrowed) == ["甲", "乙"]
    assert narrowed.context["page_obj"].paginator.capped
    assert _names_on_page(indexed) == sorted(_names_on_page(indexed), reverse=True)
    assert "needs a list of at most" not in indexed.content.decode()


def test_every_long_lists_default_sort_is_one_an_index_serves():
    from gendan.core.tables import ListTable

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    declared = [table for table in subclasses(ListTable) if table.indexed_sorts is not None]
    assert {table.__name__ for table in declared} >= {"OrderTable", "InvoiceTable", "PaymentTable", "CustomerTable"}
    for table in declared:
        assert table.default_sort.removeprefix("-") in table.indexed_sorts, table
        assert all(table.base_columns[name].orderable for name in table.indexed_sorts), table
