"""The order-to-cash benchmark runs and reports every figure (it is measured, not asserted, here)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import o2c

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(o2c.PATHS))
def test_the_benchmark_walks_orders_to_closed_and_reports_its_figures(tmp_path, path):
    # given / when: run() itself refuses to report unless every order ended closed and paid
    result = o2c.run(4, batch=2, warmup=1, path=path)
    o2c.write_json(result, tmp_path / "o2c.json")

    # then
    written = json.loads((tmp_path / "o2c.json").read_text())
    assert written == result
    assert (written["n"], written["batch"], written["warmup_orders"]) == (4, 2, 1)
    assert written["orders_per_second"] > 0
    assert len(written["orders_per_second_by_batch"]) == 2
    assert written["path"] == path
    assert list(written["queries_per_order_by_step"]) == o2c.PATHS[path]
    assert written["transactions_per_order"] == len(o2c.PATHS[path])
    assert all(count > 0 for count in written["queries_per_order_by_step"].values())
    assert written["queries_per_order"] == pytest.approx(sum(written["queries_per_order_by_step"].values()), abs=0.1)
    assert len(written["peak_memory_kib_by_batch"]) == 2
    assert len(written["memory_after_batch_kib"]) == 2
    assert written["machine_speed_ms"] > 0
    # Inside the test's transaction nothing reaches the log yet: not measured, and said so.
    assert (written["log_kib_per_order"], written["log_pages_per_order"]) == (None, None)
    assert "not measured (inside a transaction)" in o2c.report(written)
    assert "peak memory / batch" in o2c.report(written) and "machine speed" in o2c.report(written)


def test_the_script_runs_on_its_own_throwaway_sqlite_database(tmp_path):
    # when
    completed = subprocess.run(
        [sys.executable, "bench/o2c.py", "--n", "2", "--batch", "1", "--warmup", "0", "--json", tmp_path / "o2c.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )

    # then
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("sqlite, one-click path: 2 orders in ")
    written = json.loads((tmp_path / "o2c.json").read_text())
    assert (written["database"], written["n"], len(written["peak_memory_kib_by_batch"])) == ("sqlite", 2, 2)
    # Every order writes pages to SQLite's WAL (a page is 4 KiB and its frame header 24 bytes).
    assert written["log_pages_per_order"] > 10
    assert written["log_kib_per_order"] == pytest.approx(written["log_pages_per_order"] * 4120 / 1024, rel=0.01)
    # Nothing left behind in the project's own var/: the database lived in a temporary directory.
    assert not list((ROOT / "var").glob("bench*"))


@pytest.mark.django_db(transaction=True)
def test_several_processes_share_the_orders_and_every_one_closes():
    # when: run() refuses to report unless every order of every pass ended closed and paid
    result = o2c.run(4, batch=2, warmup=1, workers=2)

    # then
    assert result["parallel"]["workers"] == 2
    assert result["parallel"]["orders_per_second"] > 0
    assert "2 processes at once" in o2c.report(result)
    # Committed for real here, so the log volume is measured on either database.
    assert result["log_kib_per_order"] > 0
