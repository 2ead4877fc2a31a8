"""Order change benchmark: applying a change to an order of 50 lines (issue 11), statements and time.

Sets up a confirmed order of L lines (default 50) and applies N changes to it one after the
other (default 20), each raising every line's quantity by one and moving the promised date a day:
`change_request_create` (the draft and its impact) and `change_request_submit` (no rule asks for
approval, so it applies: every line's reservation adjusted, the revision written). Prints, for
each step, the SQL statements per change (the same for every change: the count does not grow
with the lines) and p50 / p95 milliseconds.

    .venv/bin/python bench/changes.py
    .venv/bin/python bench/changes.py --lines 50 --n 20 --database-url postgres://postgres@127.0.0.1:5432/postgres

Like bench/o2c.py it never touches your data: SQLite runs in a temporary directory; with
--database-url a fresh database is created on that server and dropped at the end.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.o2c import Fixture, QueryCounter, throwaway_database  # noqa: E402

STEPS = ["change_request_create", "change_request_submit"]


def _confirmed_order(fixture: Fixture, line_count: int):
    from gendan.crm.services import customer_create
    from gendan.sales.services import order_create

    customer = customer_create(
        actor=fixture.rep,
        name="变更基准客户有限公司",
        contacts=[{"name": "王经理", "phone": "13800000000"}],
        addresses=[
            {
                "recipient": "王经理",
                "phone": "13800000000",
                "province": "上海市",
                "city": "上海市",
                "district": "浦东新区",
                "street": "张江路1号",
            }
        ],
    )
    return order_create(
        actor=fixture.rep,
        customer=customer,
        contact=customer.contacts.all()[0],
        shipping_address=customer.addresses.all()[0],
        warehouse=fixture.warehouse,
        lines=[{"product": fixture.products[k], "quantity": Decimal("10")} for k in range(line_count)],
        promised_date=datetime.date.today() + datetime.timedelta(days=30),
        submit=True,
    )


def run(n: int, lines: int) -> dict:
    from django.db import connection

    from gendan.sales.models import ChangeStatus, OrderStatus
    from gendan.sales.services_changes import change_request_create, change_request_submit

    fixture = Fixture(product_count=lines)
    order = _confirmed_order(fixture, lines)
    assert order.status == OrderStatus.CONFIRMED, order.status
    counter = QueryCounter()
    timings = {step: [] for step in STEPS}
    queries = {step: [] for step in STEPS}

    def measured(service, **arguments):
        step = service.__name__
        counter.step = step
        before = counter.by_step[step]
        started = time.perf_counter()
        result = service(**arguments)
        timings[step].append((time.perf_counter() - started) * 1000)
        queries[step].append(counter.by_step[step] - before)
        counter.step = None
        return result

    with connection.execute_wrapper(counter):
        for i in range(n):
            order.refresh_from_db()
            current = list(order.lines.order_by("position"))
            change = measured(
                change_request_create,
                order=order,
                actor=fixture.rep,
                reason=f"追加 {i + 1}",
                lines=[{"line": line.pk, "quantity": line.quantity + 1} for line in current],
                promised_date=order.promised_date + datetime.timedelta(days=1),
            )
            change = measured(change_request_submit, change=change, actor=fixture.rep)
            assert change.status == ChangeStatus.APPLIED, change.status
    order.refresh_from_db()
    held = list(order.lines.values_list("quantity", "reserved_quantity"))
    # Every reservation exact after all the changes: the figures are of work that was right.
    assert all(quantity == reserved == 10 + n for quantity, reserved in held), held
    return {
        "database": connection.vendor,
        "lines": lines,
        "n": n,
        "revision": order.revision,
        # The first change also writes revision 1 (the order as confirmed): one statement more.
        "queries_per_change": {step: [min(queries[step]), max(queries[step])] for step in STEPS},
        "ms_p50": {step: round(statistics.median(timings[step]), 1) for step in STEPS},
        "ms_p95": {step: round(_p95(timings[step]), 1) for step in STEPS},
    }


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(result: dict) -> str:
    rows = [f"{result['database']}: {result['n']} changes of an order of {result['lines']} lines"]
    for step in STEPS:
        fewest, most = result["queries_per_change"][step]
        count = f"{fewest}" if fewest == most else f"{fewest}–{most}"
        rows.append(
            f"  {step:24} {count:>5} statements  p50 {result['ms_p50'][step]:7.1f} ms  p95 {result['ms_p95'][step]:7.1f} ms"
        )
    return "\n".join(rows)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20, help="changes to apply (default 20)")
    parser.add_argument("--lines", type=int, default=50, help="lines of the order (default 50)")
    parser.add_argument("--database-url", help="a PostgreSQL server to run on (a fresh database is made there)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.n < 1 or args.lines < 1:
        parser.error("--n and --lines must be at least 1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "gendan.settings"
    os.environ["DEBUG"] = "false"
    with throwaway_database(args.database_url):
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        result = run(args.n, args.lines)
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
