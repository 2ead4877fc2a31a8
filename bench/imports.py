"""Import benchmark: a spreadsheet of N customers (each with a contact and an address) through the dry run and the
commit, the same services and savepoints the pages use. Prints the seconds and rows per second of each step, and
the SQL statements per row.

    .venv/bin/python bench/imports.py --n 10000
    .venv/bin/python bench/imports.py --n 10000 --json

It never touches your data: it runs on a fresh SQLite database in a temporary directory (GENDAN_VAR_DIR), or on
DATABASE_URL if you set one (then use an empty database: the customers stay).
"""

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gendan.settings")
os.environ.setdefault("GENDAN_VAR_DIR", tempfile.mkdtemp(prefix="gendan-bench-"))

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from gendan.accounts.models import User  # noqa: E402
from gendan.accounts.roles import Role  # noqa: E402
from gendan.crm.models import Customer  # noqa: E402
from gendan.imports.models import ImportStatus  # noqa: E402
from gendan.imports.services import import_check, import_commit, import_commit_run, import_create  # noqa: E402

HEADER = "客户编码,客户名称,负责人,信用额度,联系人,手机,省份,城市,详细地址\n"


def sheet(n: int) -> bytes:
    out = io.StringIO()
    out.write(HEADER)
    for i in range(n):
        out.write(f"B{i:06d},测试客户{i:06d}有限公司,rep,50000,联系人{i},139{i:08d},江苏省,苏州市,金枫路{i}号\n")
    return out.getvalue().encode("gb18030")


def timed(step):
    """What `step()` returns, its seconds and its SQL statements."""
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - started
    return result, seconds, statements


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="customers in the file")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    admin = User.objects.create_user(username="bench-admin", role=Role.ADMIN)
    User.objects.create_user(username="rep", role=Role.SALES_REP)
    data = sheet(args.n)

    imp, upload_s, _queries = timed(
        lambda: import_create(actor=admin, kind="customers", upload=SimpleUploadedFile("customers.csv", data))
    )
    _none, check_s, check_q = timed(lambda: import_check(imp.pk))
    imp.refresh_from_db()
    assert imp.status == ImportStatus.CHECKED and not imp.errors, imp.errors[:5]
    import_commit(imp=imp, actor=admin)
    _none, commit_s, commit_q = timed(lambda: import_commit_run(imp.pk))
    imp.refresh_from_db()
    assert imp.status == ImportStatus.DONE and Customer.objects.count() == args.n

    figures = {
        "rows": args.n,
        "database": connection.vendor,
        "file_bytes": len(data),
        "upload_s": round(upload_s, 2),
        "dry_run_s": round(check_s, 2),
        "dry_run_rows_per_s": round(args.n / check_s),
        "dry_run_queries_per_row": round(check_q / args.n, 1),
        "commit_s": round(commit_s, 2),
        "commit_rows_per_s": round(args.n / commit_s),
        "commit_queries_per_row": round(commit_q / args.n, 1),
        "total_s": round(upload_s + check_s + commit_s, 2),
    }
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name:>26}: {value}")


if __name__ == "__main__":
    main()
