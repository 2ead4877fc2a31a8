"""Page and API list benchmark: every list, search, filter, sort, deep page, export and review page.

Runs in-process with Django's test client (force_login, no HTTP server: the figures are the
handler's own, templates and serializers included) against an existing database that has the
schema and the users: the demo data set, or one made by bench/generate.py. For each URL and
user it prints p50 / p95 in ms, the size of the response and its number of SQL queries, sorted
by p95, and writes them as JSON with --json.

    .venv/bin/python bench/pages.py --var-dir /tmp/var-demo
    .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/gendan_big --json big.json
    .venv/bin/python bench/pages.py --var-dir /tmp/var-demo --only '^/orders/' --repeat 5

The URLs come from the URLconf and the worklist registry, so a new list is measured without
touching this script: every argument-free page that is not a form; each list's filters, sort
keys, downloads and a page near the last (page 500 when the pager has no "last" link because
its count is capped, and then its keyset "next" link too), as its own first page offers them;
every worklist of each user; every API list (with ?search= where the viewset names its search,
else the filter set's ?q=, an ?ordering= where it has ordering fields, a page near the last and its
cursor link); and the pages of one record, which must not grow with the data (the newest order's page,
API record and events, and its customer's page).
Search terms, customers and dates come from the
database at start, from the records each user can see. Queries are counted on one more request,
outside the timing (the capturing cursor's bookkeeping would otherwise be timed too). A 403, a
404 or a 500 is reported in the status column, never skipped; any 5xx makes the exit status 1.
"""

import argparse
import datetime
import json
import logging
import math
import os
import re
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlencode

ROOT = Path(__file__).resolve().parent.parent

# Pages without arguments that are not lists: forms, log-in, the API's documentation, HTMX helpers
# of the order editor, POST-only endpoints, and the dashboards (sums over periods, not pages of rows:
# timed on their own, docs/BENCHMARKS.md).
NOT_LISTS = re.compile(
    r"(^|:)(login|logout|password_change|password_change_done|set_language|preferences|api-schema|api-docs"
    r"|api-redoc|api-token|api-root|notification_read|dashboard|search)$|create$|(^|:)editor_"
)
EXTRA_USERS = ("manager1", "warehouse1", "finance1")
DEEP_PAGE = 500


@dataclass
class Measurement:
    url: str
    user: str
    kind: str  # page, search, filter, sort, deep page, next page, export, worklist, record, api, api record
    status: int
    p50_ms: float
    p95_ms: float
    bytes: int
    queries: int


class PageOffers(HTMLParser):
    """What a list's first page offers: its GET filter fields, sort keys, last page and downloads."""

    def __init__(self):
        super().__init__()
        self.in_get_form = False
        self.select = None
        self.inputs: dict[str, str] = {}  # name -> input type
        self.selects: dict[str, list[str]] = {}  # name -> option values, in order
        self.sorts: list[str] = []
        self.last_page = 1  # the highest ?page= of a link other than "next": the "last" link, if the pager has one
        self.next_href = ""  # the pager's rel="next" link, a keyset cursor (?after=) on a deep list
        self.exports: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self.in_get_form = True
        elif tag == "input" and self.in_get_form and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            self.inputs[attrs["name"]] = kind
            if kind in ("checkbox", "radio") and attrs.get("value"):
                self.selects.setdefault(attrs["name"], []).append(attrs["value"])
        elif tag == "select" and self.in_get_form and attrs.get("name"):
            self.select = attrs["name"]
            self.selects[self.select] = []
        elif tag == "option" and self.select and attrs.get("value"):
            self.selects[self.select].append(attrs["value"])
        elif tag == "a" and (attrs.get("href") or "").startswith("?"):
            query = parse_qs(attrs["href"][1:])
            if "export" in query:
                self.exports.update(query["export"])
            elif "page" in query and query["page"][0].isdigit():
                if attrs.get("rel") == "next":
                    self.next_href = attrs["href"]
                else:
                    self.last_page = max(self.last_page, int(query["page"][0]))
            elif "sort" in query and query["sort"][0].removeprefix("-") not in {
                s.removeprefix("-") for s in self.sorts
            }:
                self.sorts.append(query["sort"][0])

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False
        elif tag == "select":
            self.select = None


def percentile(times: list[float], share: float) -> float:
    """Nearest-rank percentile: of 20 requests, p95 is the 19th fastest."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def body_of(response) -> bytes:
    # A streamed download is read to its end, inside the timing: that is its cost.
    return b"".join(response.streaming_content) if response.streaming else response.content


def with_query(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def list_routes():
    """(path, name, callback) of every argument-free route of the URLconf, the admin's left out."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), namespace + (pattern.name or ""), pattern.callback

    for route, name, callback in walk(get_resolver().url_patterns, "", ""):
        if route.startswith("admin/") or "<" in route or "(?P" in route:
            continue
        # Router routes carry regex anchors inside the include's prefix: api/v1/^orders/$.
        yield "/" + route.replace("^", "").replace("$", ""), name, callback


class Bench:
    def __init__(self, *, repeat: int, warmup: int, only: str | None):
        self.repeat = repeat
        self.warmup = warmup
        self.only = re.compile(only) if only else None
        self.results: list[Measurement] = []
        self.seen: set[tuple[str, str]] = set()

    def summary(self, missing_users: list[str]) -> dict:
        """The figures as `report` prints them and --json writes them, the slowest first."""
        from django.db import connection

        return {
            "database": connection.vendor,
            "repeat": self.repeat,
            "warmup": self.warmup,
            "missing_users": missing_users,
            # Other processes on the machine show in every figure: the load average over the run's last minute.
            "load_average_1min": round(os.getloadavg()[0], 2),
            "results": [asdict(m) for m in sorted(self.results, key=lambda m: m.p95_ms, reverse=True)],
        }

    def measure(self, client, username: str, url: str, kind: str):
        """Times `url` for the logged-in `client`; returns the last response's body (for what it offers)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        if (url, username) in self.seen:
            return None
        self.seen.add((url, username))
        if self.only and not self.only.search(url):
            # Not measured, but read once: its searches, sorts and pages may be what --only names.
            response = client.get(url)
            return body_of(response) if response.status_code == 200 else None
        with CaptureQueriesContext(connection) as queries:
            body_of(client.get(url))
        # Counted now: the next request's request_started signal empties the connection's log.
        query_count = len(queries)
        for _ in range(self.warmup):
            body_of(client.get(url))
        times = []
        for _ in range(self.repeat):
            started = time.perf_counter()
            response = client.get(url)
            body = body_of(response)
            times.append((time.perf_counter() - started) * 1000)
        self.results.append(
            Measurement(
                url=unquote(url),
                user=username,
                kind=kind,
                status=response.status_code,
                p50_ms=round(percentile(times, 0.50), 2),
                p95_ms=round(percentile(times, 0.95), 2),
                bytes=len(body),
                queries=query_count,
            )
        )
        return body if response.status_code == 200 else None


def search_terms(user) -> dict:
    """An order and a quotation number prefix, a customer's name and id, from what `user` can see."""
    from gendan.catalog.models import Product
    from gendan.crm.models import Customer
    from gendan.finance.models import Invoice, Payment
    from gendan.fulfillment.models import Shipment
    from gendan.sales.models import Order, Quotation

    order = Order.objects.visible_to(user).select_related("customer").order_by("-pk").first()
    quotation = Quotation.objects.visible_to(user).order_by("-pk").first()
    customer = order.customer if order else Customer.objects.visible_to(user).order_by("-pk").first()
    product = Product.objects.order_by("-pk").first()
    payment = Payment.objects.visible_to(user).exclude(reference="").order_by("-pk").first()
    shipment = Shipment.objects.visible_to(user).exclude(tracking_number="").order_by("-pk").first()
    invoice = Invoice.objects.visible_to(user).order_by("-pk").first()
    contact = customer.contacts.exclude(phone="").first() if customer else None
    return {
        # Terms that find most rows: a word in nearly every customer's name (有限公司), a year's
        # numbers, one character.
        "broad": [customer.name[-4:], order.number[:6], customer.name[:1]] if order else [],
        "payment_reference": payment.reference if payment else "",
        "tracking_number": shipment.tracking_number if shipment else "",
        # All but the last three characters: a prefix matching about a thousand numbers of a series.
        "order_prefix": order.number[:-3] if order else "SO",
        "quotation_prefix": quotation.number[:-3] if quotation else "QT",
        "customer_name": customer.name if customer else "",
        "customer_id": customer.pk if customer else None,
        "order_number": order.number if order else "",
        # Four digits from the middle of a contact's phone: what a rep remembers of a caller.
        "phone_fragment": contact.phone[3:7] if contact else "",
        "order_id": order.pk if order else None,
        "invoice_id": invoice.pk if invoice else None,
        "product_name": product.name if product else "",
    }


def search_term(path: str, terms: dict) -> str:
    """What a user would type into the search box of the list at `path`."""
    if re.search(r"/orders/$", path):
        return terms["order_prefix"]
    if re.search(r"/payments/$", path):
        return terms["payment_reference"]
    if re.search(r"/shipments/$", path):
        return terms["tracking_number"]
    if re.search(r"/quotations/$", path):
        return terms["quotation_prefix"]
    if re.search(r"/(products|stock|stock-levels|stock-moves|moves)/$", path):
        return terms["product_name"]
    return terms["customer_name"]


def measure_list_page(bench: Bench, client, username: str, path: str, kind: str, terms: dict) -> None:
    """The page, then each search, filter, sort, deep page and download its first page offers."""
    body = bench.measure(client, username, path, kind)
    if body is None:
        return
    offers = PageOffers()
    offers.feed(body.decode("utf-8", "replace"))
    if "q" in offers.inputs:
        by_customer = path.startswith(("/orders/", "/quotations/"))
        for term in {search_term(path, terms), terms["customer_name"] if by_customer else ""}:
            if term:
                bench.measure(client, username, with_query(path, q=term), "search")
        if path == "/orders/":
            for term in terms["broad"]:
                bench.measure(client, username, with_query(path, q=term), "broad search")
    choices = {name: values for name, values in offers.selects.items() if values and name not in {"sort", "page"}}
    status_field = "status" if "status" in choices else next(iter(choices), None)
    if status_field:
        bench.measure(client, username, with_query(path, **{status_field: choices[status_field][0]}), "filter")
    if ("customer" in offers.inputs or "customer" in offers.selects) and terms["customer_id"]:
        bench.measure(client, username, with_query(path, customer=terms["customer_id"]), "filter")
    date_from = next((n for n, t in offers.inputs.items() if t == "date" and n.endswith(("_from", "after"))), None)
    month_ago = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
    if date_from:
        bench.measure(client, username, with_query(path, **{date_from: month_ago}), "filter")
    for sort in offers.sorts:
        bench.measure(client, username, with_query(path, sort=sort), "sort")
    if offers.last_page > 1:
        bench.measure(client, username, with_query(path, page=max(2, offers.last_page - 1)), "deep page")
    elif offers.next_href:
        # A pager without a "last" link: the count is capped, the list is long. Page 500 is where
        # issue 15 measured the order list.
        bench.measure(client, username, with_query(path, page=DEEP_PAGE), "deep page")
    if "after=" in offers.next_href:
        bench.measure(client, username, path + offers.next_href, "next page")
    for fmt in sorted(offers.exports):
        bench.measure(
            client, username, with_query(path, **({date_from: month_ago} if date_from else {}), export=fmt), "export"
        )


def measure_api_list(bench: Bench, client, username: str, path: str, viewset, terms: dict) -> None:
    body = bench.measure(client, username, path, "api")
    if body is None:
        return
    # ?search= where the viewset names its search (core.search), else the filter set's own ?q= (the list's search box).
    filters = getattr(getattr(viewset, "filterset_class", None), "base_filters", {})
    search_param = "search" if getattr(viewset, "searchable", None) else "q" if "q" in filters else None
    term = search_term(path, terms)
    if search_param and term:
        bench.measure(client, username, with_query(path, **{search_param: term}), "api search")
    if path == "/api/v1/orders/":
        for term in terms["broad"]:
            bench.measure(client, username, with_query(path, search=term), "api broad search")
    ordering_fields = getattr(viewset, "ordering_fields", None)
    if ordering_fields and ordering_fields != "__all__":
        bench.measure(client, username, with_query(path, ordering=f"-{ordering_fields[0]}"), "api sort")
    listing = json.loads(body)
    if isinstance(listing, dict) and listing.get("count") and listing.get("results"):
        last_page = math.ceil(listing["count"] / len(listing["results"]))
        if last_page > 1:
            deep = bench.measure(client, username, with_query(path, page=max(2, last_page - 1)), "api deep page")
            following = deep and json.loads(deep).get("next")
            if following and "after=" in following:
                bench.measure(client, username, following.removeprefix("http://testserver"), "api next page")


def measure_records(bench: Bench, client, username: str, terms: dict) -> None:
    """The pages of one record, which must not grow with the data: the newest order and its customer."""
    from django.urls import reverse

    if terms["order_id"]:
        order = terms["order_id"]
        bench.measure(client, username, reverse("sales:order_detail", args=[order]), "record")
        bench.measure(client, username, f"/api/v1/orders/{order}/", "api record")
        bench.measure(client, username, f"/api/v1/orders/{order}/events/", "api record")
    if terms["customer_id"]:
        bench.measure(client, username, reverse("crm:customer_detail", args=[terms["customer_id"]]), "record")
    if terms["invoice_id"]:
        bench.measure(client, username, reverse("finance:invoice_detail", args=[terms["invoice_id"]]), "record")


def measure_global_search(bench: Bench, client, username: str, terms: dict) -> None:
    """The top bar's search, page and API, for what people type there: a whole order number, a number's prefix, a
    customer's name, a fragment of a phone, a tracking number, and the broad terms."""
    typed = [
        terms["order_number"],
        terms["order_prefix"],
        terms["customer_name"],
        terms["phone_fragment"],
        terms["tracking_number"],
    ]
    for term in dict.fromkeys(typed):
        if term:
            bench.measure(client, username, with_query("/search/", q=term), "global search")
            bench.measure(client, username, with_query("/api/v1/search/", q=term), "global search")
    for term in terms["broad"]:
        bench.measure(client, username, with_query("/search/", q=term), "broad global search")


# Pages and API reads that are no router list and take a choice the page offers as links, not a form.
GROUPED = [
    ("/finance/ageing/?group_by=owner", "page"),
    ("/api/v1/receivables/ageing/", "api"),
    ("/api/v1/receivables/ageing/?group_by=owner", "api"),
]


def run(*, admin: str, rep: str, extra_users=EXTRA_USERS, repeat=20, warmup=2, only=None) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from gendan.core import worklists

    # A refused request is a figure in the table, not a warning on the terminal; a 500 is still logged.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    users = get_user_model().objects
    bench = Bench(repeat=repeat, warmup=warmup, only=only)
    routes = list(list_routes())
    pages = [(path, name) for path, name, _ in routes if not path.startswith("/api/") and not NOT_LISTS.search(name)]
    api_lists = [
        (path, callback.cls)
        for path, name, callback in routes
        if path.startswith("/api/v1/") and name.endswith("-list") and not NOT_LISTS.search(name.removesuffix("-list"))
    ]
    missing = []
    for username in (admin, rep, *extra_users):
        user = users.filter(username=username).first()
        if user is None:
            missing.append(username)
            continue
        # A client that answers a view's exception with the 500 page, as a server does, instead of raising.
        client = Client(raise_request_exception=False)
        client.force_login(user)
        terms = search_terms(user)
        worklist_paths = {worklist.url for worklist in worklists.for_user(user)}
        worklist_api_paths = {worklist.api_url for worklist in worklists.for_user(user) if worklist.api_url}
        everything = username in (admin, rep)
        for path, _name in pages:
            if everything or path == "/" or path in worklist_paths:
                kind = "worklist" if path in worklist_paths else "page"
                measure_list_page(bench, client, username, path, kind, terms)
        for path, viewset in api_lists:
            if everything or path in worklist_api_paths or path == "/api/v1/worklists/":
                measure_api_list(bench, client, username, path, viewset, terms)
        if everything:
            measure_records(bench, client, username, terms)
            measure_global_search(bench, client, username, terms)
            for path, kind in GROUPED:
                bench.measure(client, username, path, kind)
        bench.measure(client, username, "/api/v1/worklists/", "api")
    return bench.summary(missing)


def width(text: str) -> int:
    """Columns `text` takes on a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def report(result: dict) -> str:
    rows = result["results"]
    header = ("url", "user", "status", "p50 ms", "p95 ms", "KB", "queries")
    table = [header] + [
        (
            m["url"],
            m["user"],
            str(m["status"]),
            f"{m['p50_ms']:.1f}",
            f"{m['p95_ms']:.1f}",
            f"{m['bytes'] / 1024:.1f}",
            str(m["queries"]),
        )
        for m in rows
    ]
    widths = [max(width(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "  ".join(
            cell + " " * (w - width(cell)) if i < 2 else " " * (w - width(cell)) + cell
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in table
    ]
    over_time = sum(m["p95_ms"] > 100 for m in rows)
    over_size = sum(m["bytes"] > 200 * 1024 for m in rows)
    not_ok = [m for m in rows if m["status"] != 200]
    errors = sum(m["status"] >= 500 for m in rows)
    lines.append(
        f"{result['database']}: {len(rows)} URL x user, {over_time} over 100 ms at p95, {over_size} over 200 KB, "
        f"{len(not_ok)} not 200 ({errors} server errors); {result['warmup']} warm-up + {result['repeat']} timed each; "
        f"load average {result['load_average_1min']}"
    )
    if result["missing_users"]:
        lines.append(f"no such users, left out: {', '.join(result['missing_users'])}")
    return "\n".join(lines)


def set_up_django(*, var_dir: str | None, database_url: str | None) -> None:
    """Django on the SQLite database in `var_dir` or the PostgreSQL one at `database_url` (unless already set up)."""
    from django.apps import apps

    if apps.ready:
        return
    # Run as a script: the settings read the database from the environment.
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "gendan.settings"
    os.environ["DEBUG"] = "false"
    if var_dir:
        os.environ["GENDAN_VAR_DIR"] = var_dir
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    # Set up as the server is (gendan.wsgi), with what it does once loaded: the figures are the server's.
    import gendan.wsgi  # noqa: F401


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var-dir", help="GENDAN_VAR_DIR of the SQLite database to measure")
    parser.add_argument("--database-url", help="a PostgreSQL database to measure (DATABASE_URL)")
    parser.add_argument("--admin", default="admin", help="username of an administrator (default admin)")
    parser.add_argument("--rep", default="rep1", help="username of a sales rep (default rep1)")
    parser.add_argument(
        "--user",
        action="append",
        dest="users",
        help=f"another user whose home page and worklists are measured (repeat; default {', '.join(EXTRA_USERS)})",
    )
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per URL first (default 2)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per URL (default 20)")
    parser.add_argument(
        "--only", help="measure only URLs matching this regular expression (list pages are still read once)"
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file as JSON")
    args = parser.parse_args(argv)

    set_up_django(var_dir=args.var_dir, database_url=args.database_url)
    result = run(
        admin=args.admin,
        rep=args.rep,
        extra_users=tuple(args.users) if args.users is not None else EXTRA_USERS,
        repeat=args.repeat,
        warmup=args.warmup,
        only=args.only,
    )
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if any(m["status"] >= 500 for m in result["results"]) else 0


if __name__ == "__main__":
    sys.exit(main())
