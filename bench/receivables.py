"""Receivables benchmark: the ageing with one customer owing on N invoices (issue 12), statements and time.

Sets up one customer (through the crm service) with N issued invoices (default 100,000) spread over a few
orders, due on dates across the five ageing buckets, one in three partly paid, and a hundred other customers
with three open invoices each. Then, as an administrator, measures `receivables.ageing` by customer (its
first page read, as the page reads it), `ageing_totals` of the customer (the customer page's card), `dso`,
and over the test client the ageing page, its API and the customer's page: SQL statements and p50 / p95 ms.
Before reporting it checks that the figures are the generated invoices' open amounts, bucket by bucket.

    .venv/bin/python bench/receivables.py
    .venv/bin/python bench/receivables.py --invoices 100000 --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/receivables.py --invoices 100000 --explain     # each statement with its plan

Like bench/o2c.py it never touches your data: SQLite runs in a temporary directory; with
--database-url a fresh database is created on that server and dropped at the end.
"""

import argparse
import datetime
import gc
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import stamps_as_given  # noqa: E402
from bench.o2c import Fixture, QueryCounter, _settle, machine_speed_ms, throwaway_database  # noqa: E402
from bench.pages import body_of, percentile  # noqa: E402

SEED = 20261207
# The customer's invoices go to this many orders (at most one per invoice).
ORDERS = 8
OTHER_CUSTOMERS = 100
OTHER_INVOICES_EACH = 3
# Payment terms: an invoice is issued this many days before it falls due.
TERMS = 30
# Days past the due date each bucket's invoices are drawn from (negative: not yet due), spelt out here
# rather than read from receivables.BUCKETS, so that the check below does not take the code under test's word.
DAYS_PAST = {
    "current": (-(TERMS - 1), 0),
    "days_1_30": (1, 30),
    "days_31_60": (31, 60),
    "days_61_90": (61, 90),
    "over_90": (91, 400),
}
STEPS = [
    "ageing",
    "ageing_totals",
    "dso",
    "/finance/ageing/",
    "/api/v1/receivables/ageing/",
    "/customers/<id>/",
    "statement_figures (30 days)",
    "statement_create (30 days)",
    "/finance/statements/<id>/",
]
CENT = Decimal("0.01")


def bucket_of(due_date: datetime.date, today: datetime.date) -> str:
    days_past = (today - due_date).days
    return next(key for key, (first, last) in DAYS_PAST.items() if first <= days_past <= last)


def _customer(fixture: Fixture, name: str, street: str):
    from gendan.crm.services import customer_create

    return customer_create(
        actor=fixture.rep,
        name=name,
        contacts=[{"name": "李会计", "phone": "13900000000"}],
        addresses=[
            {
                "recipient": "李会计",
                "phone": "13900000000",
                "province": "上海市",
                "city": "上海市",
                "district": "闵行区",
                "street": street,
            }
        ],
    )


class Invoices:
    """Orders and issued invoices written set-based (bulk_create of real model instances), with what they owe.

    Set-up, not the code under test: through the services 100,000 invoices would take the better part of an
    hour. Each order is delivered and fully invoiced; its line, amounts and paid part agree with its invoices.
    """

    CHUNK = 5000

    def __init__(self, fixture: Fixture, today: datetime.date, rng: random.Random):
        from django.utils import timezone

        self.fixture = fixture
        self.today = today
        self.rng = rng
        self.zone = timezone.get_current_timezone()
        self.serial = 0
        self.order_serial = 0

    def amounts(self, count: int) -> list[tuple]:
        """`count` invoices' (due date, subtotal, tax, total, paid), the buckets taken in turn."""
        rng, found = self.rng, []
        keys = list(DAYS_PAST)
        for i in range(count):
            first, last = DAYS_PAST[keys[i % len(keys)]]
            due = self.today - datetime.timedelta(days=rng.randint(first, last))
            subtotal = Decimal(rng.randint(5000, 2000000)) * CENT
            tax = (subtotal * Decimal("0.13")).quantize(CENT)
            total = subtotal + tax
            paid = (total * rng.randint(10, 90) / 100).quantize(CENT) if i % 3 == 1 else Decimal("0")
            found.append((due, subtotal, tax, total, paid))
        return found

    def write(self, customer, count: int, orders: int) -> dict:
        """`count` open invoices of `customer` over `orders` orders; returns each bucket's open amount and the total."""
        from gendan.finance.models import Invoice
        from gendan.sales.models import Order, OrderLine

        planned = self.amounts(count)
        orders = max(1, min(orders, count))
        # Invoice k belongs to order k % orders: each order's invoices fall in every bucket.
        shares = [planned[k::orders] for k in range(orders)]
        contact, address = customer.contacts.all()[0], customer.addresses.all()[0]
        product = self.fixture.products[0]
        created = self._moment(min(due for due, *_ in planned) - datetime.timedelta(days=TERMS + 5))
        made = []
        for share in shares:
            self.order_serial += 1
            subtotal, tax, total, paid = (sum(row[k] for row in share) for k in range(1, 5))
            made.append(
                Order(
                    number=f"SO-AR-{self.order_serial:07d}",
                    customer=customer,
                    contact=contact,
                    shipping_address=address,
                    shipping_address_text=address.street,
                    warehouse=self.fixture.warehouse,
                    owner_id=customer.owner_id,
                    created_by_id=customer.owner_id,
                    status="delivered",
                    delivery_status="delivered",
                    billing_status="invoiced",
                    payment_status="partially_paid" if paid else "unpaid",
                    tax_rate=Decimal("13.00"),
                    subtotal=subtotal,
                    tax_amount=tax,
                    total=total,
                    amount_invoiced=total,
                    amount_paid=paid,
                    submitted_at=created,
                    confirmed_at=created,
                    created_at=created,
                    updated_at=created,
                )
            )
        made = Order.objects.bulk_create(made)
        quantity = [Decimal(len(share)) for share in shares]
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                position=1,
                product=product,
                quantity=quantity[k],
                unit_price=(order.subtotal / quantity[k]).quantize(CENT),
                amount=order.subtotal,
                shipped_quantity=quantity[k],
                delivered_quantity=quantity[k],
                invoiced_quantity=quantity[k],
                created_at=created,
                updated_at=created,
            )
            for k, order in enumerate(made)
        )
        owed = dict.fromkeys(DAYS_PAST, Decimal("0"))
        for first in range(0, count, self.CHUNK):
            rows = []
            for k in range(first, min(first + self.CHUNK, count)):
                due, subtotal, tax, total, paid = planned[k]
                issued = self._moment(due - datetime.timedelta(days=TERMS))
                self.serial += 1
                rows.append(
                    Invoice(
                        number=f"INV-AR-{self.serial:08d}",
                        order=made[k % orders],
                        customer=customer,
                        owner_id=customer.owner_id,
                        status="issued",
                        tax_rate=Decimal("13.00"),
                        subtotal=subtotal,
                        tax_amount=tax,
                        total=total,
                        amount_paid=paid,
                        issued_at=issued,
                        due_date=due,
                        buyer_name=customer.name,
                        created_by=self.fixture.finance,
                        created_at=issued,
                        updated_at=issued,
                    )
                )
                owed[bucket_of(due, self.today)] += total - paid
            Invoice.objects.bulk_create(rows, batch_size=1000)
        owed["total"] = sum(owed.values())
        return owed

    def _moment(self, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(10), tzinfo=self.zone)


def build(fixture: Fixture, invoices: int, other_customers: int, today: datetime.date) -> tuple:
    """The customer, and what it owes by bucket, among `other_customers` others owing a little each."""
    from django.db import transaction

    customer = _customer(fixture, "回款基准客户有限公司", "七莘路1号")
    others = [_customer(fixture, f"其他回款客户{i}有限公司", f"七莘路{i + 2}号") for i in range(other_customers)]
    writer = Invoices(fixture, today, random.Random(SEED))
    with transaction.atomic(), stamps_as_given():
        owed = writer.write(customer, invoices, ORDERS)
        for other in others:
            writer.write(other, OTHER_INVOICES_EACH, 1)
    return customer, owed


def _vacuum_analyze(connection) -> None:
    """On PostgreSQL, what autovacuum would do after the load: statistics, and the visibility map that lets
    the ageing read its covering indexes alone. SQLite is left without statistics, as Django leaves it."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _admin():
    from django.contrib.auth import get_user_model

    from gendan.accounts.roles import Role

    user = get_user_model()(username="bench-admin", role=Role.ADMIN, first_name="admin")
    user.set_unusable_password()
    user.save()
    return user


def _api_client(admin):
    from django.utils import timezone
    from rest_framework.test import APIClient

    from gendan.accounts.models import ApiToken
    from gendan.accounts.services import api_token_issue

    token, key = api_token_issue(actor=admin, name="bench")
    # Marked as just used, or the first request's "last used" write would be in the statement count.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def run(
    invoices: int,
    *,
    repeat: int = 20,
    warmup: int = 2,
    other_customers: int = OTHER_CUSTOMERS,
    explain: bool = False,
) -> dict:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from gendan.core.lists import PAGE_SIZE
    from gendan.finance.receivables import ageing, ageing_totals, dso
    from gendan.finance.services_statements import statement_create
    from gendan.finance.statements import statement_figures

    # The date the pages read for themselves: the invoices fall due around it.
    today = timezone.localdate()
    fixture = Fixture(product_count=1)
    admin = _admin()
    started = time.perf_counter()
    customer, owed = build(fixture, invoices, other_customers, today)
    setup_seconds = time.perf_counter() - started
    _vacuum_analyze(connection)
    _settle(connection)
    # The set-up's 100,000 model instances are garbage now: collected before timing, not during it.
    gc.collect()

    client = Client(raise_request_exception=True)
    client.force_login(admin)
    api = _api_client(admin)

    def page(client, url):
        def get():
            response = client.get(url)
            body = body_of(response)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
            return body

        return get

    customer_url = f"/customers/{customer.pk}/"
    # A statement of the last 30 days: the opening balance over every earlier invoice, and the month's lines.
    month = (today - datetime.timedelta(days=30), today)
    statement, _token = statement_create(actor=admin, customer=customer, period_start=month[0], period_end=month[1])
    calls = {
        "ageing": lambda: list(ageing(user=admin, group_by="customer", today=today)[:PAGE_SIZE]),
        "ageing_totals": lambda: ageing_totals(user=admin, today=today, customer=customer),
        "dso": lambda: dso(user=admin, today=today),
        "/finance/ageing/": page(client, "/finance/ageing/"),
        "/api/v1/receivables/ageing/": page(api, "/api/v1/receivables/ageing/"),
        "/customers/<id>/": page(client, customer_url),
        "statement_figures (30 days)": lambda: statement_figures(customer.pk, *month),
        "statement_create (30 days)": lambda: statement_create(
            actor=admin, customer=customer, period_start=month[0], period_end=month[1]
        ),
        "/finance/statements/<id>/": page(client, f"/finance/statements/{statement.pk}/"),
    }
    counter = QueryCounter()
    steps, answers = [], {}
    for step, call in calls.items():
        for _ in range(warmup):
            call()
        # Counted on one call of its own: the timed ones run bare, as in production.
        counter.step = step
        with connection.execute_wrapper(counter):
            answers[step] = call()
        counter.step = None
        if explain:
            _explain(step, call)
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            call()
            times.append((time.perf_counter() - began) * 1000)
        steps.append(
            {
                "step": step,
                "statements": counter.by_step[step],
                "p50_ms": round(percentile(times, 0.50), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
            }
        )

    read = _readings(customer, owed, answers)
    return {
        "database": connection.vendor,
        "invoices": invoices,
        "orders": min(ORDERS, invoices),
        "other_customers": other_customers,
        "other_invoices": other_customers * OTHER_INVOICES_EACH,
        "as_of": today.isoformat(),
        "customer_id": customer.pk,
        "customer_url": customer_url,
        "owed": {key: str(amount) for key, amount in owed.items()},
        "read": read,
        "dso": str(answers["dso"]),
        "statement_lines": len(statement.lines),
        "repeat": repeat,
        "warmup": warmup,
        "setup_seconds": round(setup_seconds, 1),
        "steps": steps,
        "machine_speed_ms": machine_speed_ms(),
        # Other processes on the machine show in every figure.
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def _readings(customer, owed: dict, answers: dict) -> dict:
    """What the ageing, the customer's totals and the API read the customer owes, by bucket; refuses to report
    figures of work that was wrong: every reading must be the generated invoices' open amounts."""
    rows = {row["key"]: row for row in answers["ageing"]}
    readings = {
        "ageing": rows.get(customer.pk, {}),
        "ageing_totals": answers["ageing_totals"],
        "/api/v1/receivables/ageing/": next(
            (row for row in json.loads(answers["/api/v1/receivables/ageing/"])["rows"] if row["key"] == customer.pk),
            {},
        ),
    }
    found = {}
    for step, reading in readings.items():
        found[step] = {key: Decimal(str(reading.get(key, "nan"))) for key in owed}
        if found[step] != owed:
            raise RuntimeError(f"{step} reads {found[step]}, the invoices owe {owed}")
    if answers["dso"] is None:
        raise RuntimeError("dso found nothing invoiced in the last 90 days")
    return {step: {key: str(amount) for key, amount in amounts.items()} for step, amounts in found.items()}


def _explain(step: str, call) -> None:
    """Each statement of one more call, timed, with the database's plan (bench/explain.py's, for a throw-away
    database that explain.py cannot open once this script has ended)."""
    from django.db import connection

    # bench/explain.py imports its neighbour as a top-level module, as when it runs as a script.
    if str(ROOT / "bench") not in sys.path:
        sys.path.append(str(ROOT / "bench"))
    from explain import Timer, plan

    timer = Timer()
    with connection.execute_wrapper(timer):
        call()
    print(
        f"\n=== {step}: {len(timer.statements)} statements, {sum(ms for ms, _sql, _params in timer.statements):.1f} ms"
    )
    for ms, sql, params in timer.statements:
        print(
            f"\n--- {ms:.1f} ms: {sql if len(sql) <= 900 else f'{sql[:450]} … {sql[-420:]}'}\n    params: {params!r:.300}"
        )
        if sql.lstrip().upper().startswith("SELECT"):
            print("\n".join(f"    | {line}" for line in plan(connection, sql, params).splitlines()))


def report(result: dict) -> str:
    lines = [
        f"{result['database']}: one customer with {result['invoices']:,} open invoices on {result['orders']} orders, "
        f"{result['other_customers']} others with {result['other_invoices']:,}; as of {result['as_of']}, owed "
        f"{Decimal(result['owed']['total']):,}, DSO {result['dso']} days",
        f"  {'step':30} {'statements':>10} {'p50 ms':>8} {'p95 ms':>8}",
    ]
    for step in result["steps"]:
        lines.append(f"  {step['step']:30} {step['statements']:>10} {step['p50_ms']:>8.1f} {step['p95_ms']:>8.1f}")
    slow = [step["step"] for step in result["steps"] if step["p95_ms"] > 1000]
    lines.append(
        f"  {result['warmup']} warm-up + {result['repeat']} timed each; set-up {result['setup_seconds']} s; "
        f"machine speed {result['machine_speed_ms']} ms; load average {result['load_average_1min']}; "
        + (f"over a second at p95: {', '.join(slow)}" if slow else "none over a second")
    )
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100000, help="the customer's open invoices (default 100,000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per step (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls per step first (default 2)")
    parser.add_argument(
        "--other-customers",
        type=int,
        default=OTHER_CUSTOMERS,
        help=f"customers owing a little (default {OTHER_CUSTOMERS})",
    )
    parser.add_argument("--database-url", help="a PostgreSQL server to run on (a fresh database is made there)")
    parser.add_argument("--explain", action="store_true", help="print every statement of each step with its plan")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.invoices < 1 or args.repeat < 1 or args.warmup < 0 or args.other_customers < 0:
        parser.error("--invoices and --repeat must be at least 1, --warmup and --other-customers at least 0")
    os.environ["DJANGO_SETTINGS_MODULE"] = "gendan.settings"
    os.environ["DEBUG"] = "false"
    with throwaway_database(args.database_url):
        from django.core.management import call_command

        # Set up as the server is (its garbage collector settings included): the page figures are the server's.
        import gendan.wsgi  # noqa: F401

        call_command("migrate", verbosity=0)
        result = run(
            args.invoices,
            repeat=args.repeat,
            warmup=args.warmup,
            other_customers=args.other_customers,
            explain=args.explain,
        )
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
