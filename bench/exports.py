"""Export memory benchmark: the peak Python memory of writing N rows as XLSX and CSV.

Runs the writers the worker uses (`core.exports.write_xlsx` / `write_csv`) over N generated rows of
order-list-like values (text, Chinese text, a decimal, an integer, a date, a datetime) into a
temporary file, under tracemalloc, and prints the peak and the time for each N. The peak must stay
flat as N grows: the rows are read lazily and openpyxl's write-only mode spools them to disk.

    .venv/bin/python bench/exports.py
    .venv/bin/python bench/exports.py --n 2000 20000 200000
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gendan.settings")
os.environ.setdefault("GENDAN_VAR_DIR", tempfile.mkdtemp(prefix="gendan-bench-"))

import django  # noqa: E402

django.setup()

from gendan.core.exports import write_csv, write_xlsx  # noqa: E402

COLUMNS = [(f"C{n}", lambda row, n=n: row[n]) for n in range(6)]
MOMENT = datetime.datetime(2025, 1, 1, 9, 30)


def generated(rows: int):
    for i in range(rows):
        yield (f"SO-{i:08d}", "上海某某贸易有限公司", Decimal("1234.50"), i, MOMENT.date(), MOMENT)


def measure(writer, rows: int) -> tuple[int, float]:
    """The peak under tracemalloc, and the time of a second run without it (tracemalloc slows it down)."""
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        writer(generated(rows), COLUMNS, out)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        writer(generated(rows), COLUMNS, out)
        return peak, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[2_000, 20_000, 200_000])
    args = parser.parse_args()
    print("| rows | XLSX peak | XLSX time | CSV peak | CSV time |")
    print("|---|---|---|---|---|")
    for rows in args.n:
        xlsx_peak, xlsx_time = measure(write_xlsx, rows)
        csv_peak, csv_time = measure(write_csv, rows)
        print(
            f"| {rows:,} | {xlsx_peak / 1024:,.0f} KiB | {xlsx_time:.2f} s | {csv_peak / 1024:,.0f} KiB | {csv_time:.2f} s |"
        )


if __name__ == "__main__":
    main()
