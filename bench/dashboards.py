"""Dashboard and metrics benchmark: each role's dashboard, and every metric of the API by month against last year.

Runs in-process like bench/pages.py (Django's test client, force_login) against an existing database: the demo data
set or one made by bench/generate.py. Each user's every dashboard tab (`/dashboard/?view=…`, the default period: this
month so far, against the month before), and for the administrator and the rep every metric they may see through
`/api/v1/metrics/{name}/` over this year by month against last year (or as it stands now, for the metrics counted
so). Prints p50 / p95, bytes and queries per URL and user; --json writes them. Issue 13 asks for 300 ms at p95 at a
million orders.

    .venv/bin/python bench/dashboards.py --var-dir /tmp/gendan-1m --repeat 5 --json d.json
    .venv/bin/python bench/dashboards.py --database-url postgres://postgres@127.0.0.1:5432/gendan_1m --repeat 5
"""

import argparse
import json
import logging
import sys
from pathlib import Path

try:
    from pages import Bench, report, set_up_django
except ImportError:  # imported by the tests as bench.dashboards, not run as a script from bench/
    from bench.pages import Bench, report, set_up_django

USERS = ("admin", "rep1", "follower1", "manager1", "warehouse1", "finance1")
METRIC_USERS = ("admin", "rep1")
TARGET_MS = 300


def run(*, users=USERS, metric_users=METRIC_USERS, repeat=5, warmup=1) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from gendan.analytics.dashboards import dashboards_for
    from gendan.analytics.metrics import company_today, metrics_for

    logging.getLogger("django.request").setLevel(logging.ERROR)
    bench = Bench(repeat=repeat, warmup=warmup, only=None)
    today = company_today()
    missing = []
    for username in users:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            missing.append(username)
            continue
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for board in dashboards_for(user):
            bench.measure(client, username, f"/dashboard/?view={board.key}", "dashboard")
        if username not in metric_users:
            continue
        for metric in metrics_for(user):
            query = f"start={today.replace(month=1, day=1).isoformat()}&end={today.isoformat()}"
            if not metric.point_in_time:
                query += "&group_by=month&compare=last_year"
            bench.measure(client, username, f"/api/v1/metrics/{metric.name}/?{query}", "metric")
    return bench.summary(missing)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var-dir", help="GENDAN_VAR_DIR of the SQLite database to measure")
    parser.add_argument("--database-url", help="a PostgreSQL database to measure (DATABASE_URL)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed requests per URL first (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per URL (default 5)")
    parser.add_argument("--json", type=Path, help="write the figures to this file as JSON")
    args = parser.parse_args(argv)

    set_up_django(var_dir=args.var_dir, database_url=args.database_url)
    result = run(repeat=args.repeat, warmup=args.warmup)
    print(report(result))
    over = sum(m["p95_ms"] > TARGET_MS for m in result["results"])
    print(f"{over} over {TARGET_MS} ms at p95 (issue 13's target at a million orders)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if any(m["status"] >= 500 for m in result["results"]) else 0


if __name__ == "__main__":
    sys.exit(main())
