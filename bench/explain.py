"""Every SQL statement of one request, timed, with the database's plan for it: where a slow page spends its time.

    .venv/bin/python bench/explain.py --var-dir /tmp/gendan-1m --user admin /orders/ '/orders/?page=500'
    .venv/bin/python bench/explain.py --database-url postgres://postgres@127.0.0.1:5432/gendan_1m --user rep1 /customers/

For each URL (requested in-process with Django's test client, as bench/pages.py does) it prints the status,
then each statement that took at least --min-ms (default 1): its time, its SQL (shortened unless --full)
and, for a SELECT, the plan: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL (which
runs the statement once more). The request runs twice first so caches are warm, as in bench/pages.py.
"""

import argparse
import sys
import time

from pages import set_up_django


class Timer:
    """A connection execute wrapper that keeps each statement's SQL, parameters and duration."""

    def __init__(self):
        self.statements: list[tuple[float, str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append(((time.perf_counter() - started) * 1000, sql, params))


def plan(connection, sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(f"{'  ' * (row[1] and 1)}{row[3]}" for row in cursor.fetchall())


def explain(url: str, username: str, *, min_ms: float, full: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    for _ in range(2):
        client.get(url)
    timer = Timer()
    with connection.execute_wrapper(timer):
        started = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        total = (time.perf_counter() - started) * 1000
    spent = sum(ms for ms, _sql, _params in timer.statements)
    print(
        f"\n=== {url} as {username}: {response.status_code}, {total:.1f} ms, {len(body) / 1024:.1f} KB,"
        f" {len(timer.statements)} statements taking {spent:.1f} ms"
    )
    for ms, sql, params in timer.statements:
        if ms < min_ms:
            continue
        shown = sql if full or len(sql) <= 600 else f"{sql[:300]} … {sql[-280:]}"
        print(f"\n--- {ms:.1f} ms: {shown}\n    params: {params!r:.300}")
        if sql.lstrip().upper().startswith("SELECT"):
            print("\n".join(f"    | {line}" for line in plan(connection, sql, params).splitlines()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+", help="paths to request, with their query strings")
    parser.add_argument("--var-dir", help="GENDAN_VAR_DIR of the SQLite database")
    parser.add_argument("--database-url", help="a PostgreSQL database (DATABASE_URL)")
    parser.add_argument("--user", default="admin", help="who asks (default admin)")
    parser.add_argument("--min-ms", type=float, default=1.0, help="show statements that took at least this long")
    parser.add_argument("--full", action="store_true", help="print each statement whole")
    args = parser.parse_args(argv)

    set_up_django(var_dir=args.var_dir, database_url=args.database_url)
    for url in args.urls:
        explain(url, args.user, min_ms=args.min_ms, full=args.full)
    return 0


if __name__ == "__main__":
    sys.exit(main())
