"""Automation scan benchmark: the every-minute rule scan over N waiting appointments.

Fills N ScheduledCheck rows (default 1,000,000) with due times spread evenly over a year, all
for one AFTER_EVENT rule on 1,000 customers, then runs `rules.scanning.scan_due_checks` at the moment
the first 100 are due: it finds them through the partial index (due_at where not done), checks
each record, and acts (a task and its notice for each). Prints the time of that scan, of the
next one (nothing due: the steady state of most minutes), of the bare "what is due" query,
and its query plan, which must name the partial index.

    .venv/bin/python bench/automation.py
    .venv/bin/python bench/automation.py --n 1000000 --database-url postgres://postgres@127.0.0.1:5432/postgres

Like bench/o2c.py it never touches your data: SQLite runs in a temporary directory; with
--database-url a fresh database is created on that server and dropped at the end.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.o2c import throwaway_database  # noqa: E402

DUE_NOW = 100
CUSTOMERS = 1000
CHUNK = 50_000
INDEX_NAME = "scheduled_check_due_idx"


def _setup(n: int):
    """One rule, 1,000 customers and an owner, and n appointments spread over a year; returns (rule, start, step)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from gendan.accounts.models import User
    from gendan.automation.models import Rule
    from gendan.crm.models import Customer

    owner = User.objects.create_user(username="bench-rep", role="sales_rep")
    Customer.objects.bulk_create(Customer(code=f"B{i:06d}", name=f"客户{i}", owner=owner) for i in range(CUSTOMERS))
    customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    rule = Rule.objects.get(system_key="customer_not_contacted_24h")
    content_type = ContentType.objects.get_for_model(Customer)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    step = datetime.timedelta(days=365) / n
    columns = ["rule_id", "content_type_id", "object_id", "occasion", "due_at", "attempts", "last_error"]

    def rows(first, last):
        for i in range(first, last):
            due = start + step * i
            yield (rule.pk, content_type.pk, customer_ids[i % CUSTOMERS], f"event:{i}", due, 0, "")

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                copy_sql = f"COPY automation_scheduledcheck ({', '.join(columns)}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in rows(0, n):
                        copy.write_row(row)
        else:
            sql = f"INSERT INTO automation_scheduledcheck ({', '.join(columns)}) VALUES ({', '.join(['%s'] * 7)})"
            adapt = connection.ops.adapt_datetimefield_value
            with connection.cursor() as cursor:
                for first in range(0, n, CHUNK):
                    cursor.executemany(sql, [(*r[:4], adapt(r[4]), *r[5:]) for r in rows(first, min(first + CHUNK, n))])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return rule, start, step


def run(n: int) -> dict:
    from django.db import connection

    from gendan.automation.models import ScheduledCheck, Task
    from gendan.automation.rules.scanning import scan_due_checks

    t0 = time.perf_counter()
    _rule, start, step = _setup(n)
    fill_s = time.perf_counter() - t0
    now = start + step * (DUE_NOW - 1)  # the first DUE_NOW appointments are due, to the microsecond

    due_query = ScheduledCheck.objects.filter(done_at__isnull=True, due_at__lte=now).order_by("due_at")
    plan = due_query.values_list("pk", flat=True)[:200].explain()
    t0 = time.perf_counter()
    due_count = len(list(due_query.values_list("pk", flat=True)[:200]))
    find_ms = (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    outcomes = scan_due_checks(now)
    scan_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    again = scan_due_checks(now + datetime.timedelta(seconds=1))
    idle_ms = (time.perf_counter() - t0) * 1000

    if outcomes != {"fired": DUE_NOW} or Task.objects.count() != DUE_NOW:
        raise SystemExit(f"The scan did not act on exactly {DUE_NOW} appointments: {outcomes}")
    return {
        "benchmark": "automation_scan",
        "database": connection.vendor,
        "python": platform.python_version(),
        "n": n,
        "due": due_count,
        "fill_seconds": round(fill_s, 1),
        "find_due_ms": round(find_ms, 2),
        "scan_ms": round(scan_ms, 1),
        "scan_ms_per_check": round(scan_ms / DUE_NOW, 2),
        "idle_scan_ms": round(idle_ms, 2),
        "second_scan_outcomes": again,
        "uses_partial_index": INDEX_NAME in plan,
        "plan": plan,
    }


def report(result: dict) -> str:
    return "\n".join(
        [
            f"Automation scan on {result['database']}, {result['n']:,} waiting appointments, {result['due']} due",
            f"  fill (bulk insert + ANALYZE)  {result['fill_seconds']:>9} s",
            f"  find what is due              {result['find_due_ms']:>9} ms",
            f"  scan: act on the due ones     {result['scan_ms']:>9} ms  ({result['scan_ms_per_check']} ms per check)",
            f"  next scan, nothing due        {result['idle_scan_ms']:>9} ms",
            f"  partial index used            {result['uses_partial_index']}",
            "  plan:",
            *[f"    {line}" for line in result["plan"].splitlines()],
        ]
    )


def write_json(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="waiting appointments (default 1,000,000)")
    parser.add_argument("--database-url", help="a PostgreSQL server to run on (a fresh database is made there)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.n < DUE_NOW:
        parser.error(f"--n must be at least {DUE_NOW}")

    os.environ["DJANGO_SETTINGS_MODULE"] = "gendan.settings"
    os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory
    with throwaway_database(args.database_url):
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        result = run(args.n)
    print(report(result))
    if args.json:
        write_json(result, args.json)
    return result


if __name__ == "__main__":
    main()
