"""Import benchmark: a spreadsheet of N customers (each with a contact and an address), or of N historical order
lines (three to an order, most shipped, delivered, invoiced and paid on their dates, the last fifth still open),
through the dry run and the commit, the same services and savepoints the pages use. Prints the seconds and rows per
second of each step, and the SQL statements per row.

    .venv/bin/python bench/imports.py --n 10000
    .venv/bin/python bench/imports.py --kind orders --n 50000 --json

For orders, the customers, products and stock they name are written first (tests.factories, not timed).

It never touches your data: it runs on a fresh SQLite database in a temporary directory (GENDAN_VAR_DIR), or on
DATABASE_URL if you set one (then use an empty database: the customers stay).
"""

import argparse
import datetime
import io
import json
import os
import sys
import tempfile
import time
from decimal import Decimal
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
from gendan.sales.models import Order  # noqa: E402

HEADER = "客户编码,客户名称,负责人,信用额度,联系人,手机,省份,城市,详细地址\n"


def sheet(n: int) -> bytes:
    out = io.StringIO()
    out.write(HEADER)
    for i in range(n):
        out.write(f"B{i:06d},测试客户{i:06d}有限公司,rep,50000,联系人{i},139{i:08d},江苏省,苏州市,金枫路{i}号\n")
    return out.getvalue().encode("gb18030")


ORDER_HEADER = "订单号,客户,下单日期,产品,数量,单价,发货日期,物流公司,运单号,签收日期,开票日期,回款金额,回款日期\n"
ORDER_CUSTOMERS = 500
ORDER_PRODUCTS = 200


def order_sheet(lines: int) -> bytes:
    """Orders of three lines each over the last two years; every fifth order not shipped yet (it reserves stock)."""
    out = io.StringIO()
    out.write(ORDER_HEADER)
    today = datetime.date.today()
    for index in range(lines):
        order, line = divmod(index, 3)
        number = f"H{order:07d}"
        product = f"P{(order * 3 + line) % ORDER_PRODUCTS:04d}"
        if line:
            out.write(f"{number},,,{product},2,100,,,,,,,\n")
            continue
        ordered = today - datetime.timedelta(days=730 - order % 700)
        customer = f"C{order % ORDER_CUSTOMERS:05d}"
        if order % 5 == 4:
            out.write(f"{number},{customer},{ordered},{product},2,100,,,,,,,\n")
            continue
        # Paid in full: each line's 2 × 100 with 13% tax (the last order of the file may have fewer lines).
        shipped, signed = ordered + datetime.timedelta(days=2), ordered + datetime.timedelta(days=4)
        invoiced, paid = ordered + datetime.timedelta(days=5), ordered + datetime.timedelta(days=30)
        out.write(
            f"{number},{customer},{ordered},{product},2,100,{shipped},顺丰速运,SF{order:09d},{signed},{invoiced},"
            f"{226 * min(3, lines - index)},{paid}\n"
        )
    return out.getvalue().encode("utf-8")


def order_references() -> None:
    """What the order lines name: customers, products with ample stock in the one warehouse."""
    from tests.factories import CustomerFactory, ProductFactory, StockLevelFactory, WarehouseFactory

    owner = User.objects.get(username="rep")
    for index in range(ORDER_CUSTOMERS):
        CustomerFactory(code=f"C{index:05d}", name=f"历史客户{index:05d}", owner=owner)
    warehouse = WarehouseFactory(code="WH1")
    for index in range(ORDER_PRODUCTS):
        product = ProductFactory(sku=f"P{index:04d}", name=f"历史产品{index:04d}")
        StockLevelFactory(product=product, warehouse=warehouse, on_hand=Decimal("1000000"))


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
    parser.add_argument("--kind", choices=["customers", "orders"], default="customers")
    parser.add_argument("--n", type=int, default=10_000, help="rows in the file: customers, or order lines")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    admin = User.objects.create_user(username="bench-admin", role=Role.ADMIN)
    User.objects.create_user(username="rep", role=Role.SALES_REP)
    if args.kind == "orders":
        order_references()
        data = order_sheet(args.n)
    else:
        data = sheet(args.n)

    imp, upload_s, _queries = timed(
        lambda: import_create(actor=admin, kind=args.kind, upload=SimpleUploadedFile(f"{args.kind}.csv", data))
    )
    _none, check_s, check_q = timed(lambda: import_check(imp.pk))
    imp.refresh_from_db()
    assert imp.status == ImportStatus.CHECKED and not imp.errors, imp.errors[:5]
    import_commit(imp=imp, actor=admin)
    _none, commit_s, commit_q = timed(lambda: import_commit_run(imp.pk))
    imp.refresh_from_db()
    made = Order.objects.count() if args.kind == "orders" else Customer.objects.count()
    assert imp.status == ImportStatus.DONE and made == (-(-args.n // 3) if args.kind == "orders" else args.n)

    figures = {
        "kind": args.kind,
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
