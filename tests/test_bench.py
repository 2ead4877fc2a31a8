"""The order-to-cash benchmark runs and reports every figure (it is measured, not asserted, here)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench import changes, o2c, pages
from gendan.core.tables import ListTable

from .backbone import draft_order, stocked_products

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


@pytest.fixture
def a_few_orders(personas):
    _warehouse, products = stocked_products(2)
    return [draft_order(personas["rep1"], products) for _ in range(3)]


@pytest.mark.django_db
def test_the_page_benchmark_times_each_list_with_its_searches_sorts_and_downloads(a_few_orders, tmp_path, capsys):
    # given: the orders list and its API list only, and a warehouse clerk's to-ship worklist
    only = r"^/orders/|^/api/v1/orders/|^/shipments/to-ship/$"
    argv = [
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--only",
        only,
        "--user",
        "warehouse1",
        "--json",
        str(tmp_path / "p.json"),
    ]

    # when
    exit_status = pages.main(argv)

    # then
    assert exit_status == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].split() == ["url", "user", "status", "p50", "ms", "p95", "ms", "KB", "queries"]
    assert "over 100 ms at p95" in printed and "over 200 KB" in printed
    written = json.loads((tmp_path / "p.json").read_text())
    by_url_user = {(m["url"], m["user"]): m for m in written["results"]}
    prefix = a_few_orders[-1].number[:-3]
    for url, user in [
        ("/orders/", "admin"),
        ("/orders/", "rep1"),
        (f"/orders/?q={prefix}", "rep1"),
        (f"/orders/?q={a_few_orders[-1].customer.name}", "admin"),
        ("/orders/?sort=number", "admin"),
        (f"/orders/?customer={a_few_orders[-1].customer_id}", "admin"),
        ("/api/v1/orders/", "rep1"),
        (f"/api/v1/orders/?search={prefix}", "admin"),
        ("/shipments/to-ship/", "warehouse1"),
    ]:
        measured = by_url_user[url, user]
        assert measured["status"] == 200, url
        assert 0 < measured["p50_ms"] <= measured["p95_ms"]
        assert measured["bytes"] > 0 and measured["queries"] > 0
    assert any("export=xlsx" in url for url, _user in by_url_user)
    # Only what --only names, and a rep's refused worklist is a figure, not a crash.
    assert all(re.search(only, url) for url, _user in by_url_user)
    assert by_url_user["/shipments/to-ship/", "rep1"]["status"] == 403


@pytest.mark.django_db
def test_a_page_that_fails_is_reported_as_a_500_and_fails_the_run(a_few_orders, monkeypatch, tmp_path, capsys):
    # given: every list page breaks
    def broken(cls, queryset, sort):
        raise RuntimeError("broken list")

    monkeypatch.setattr(ListTable, "order", classmethod(broken))

    # when
    exit_status = pages.main(
        ["--repeat", "1", "--warmup", "0", "--only", r"^/orders/$", "--json", str(tmp_path / "p.json")]
    )

    # then
    assert exit_status == 1
    written = json.loads((tmp_path / "p.json").read_text())
    assert {(m["url"], m["user"], m["status"]) for m in written["results"]} == {
        ("/orders/", "admin", 500),
        ("/orders/", "rep1", 500),
    }
    assert "(2 server errors)" in capsys.readouterr().out


def test_a_pager_without_a_last_link_is_read_as_a_capped_count_with_a_keyset_next_link():
    # given: the first page of a list whose count is capped, then of a list of six pages
    capped, counted = pages.PageOffers(), pages.PageOffers()

    # when
    capped.feed('<a rel="next" href="?page=2&amp;after=eyJrIjoxfQ">next</a>')
    counted.feed('<a href="?page=2" rel="next">next</a><a href="?page=6">last</a><a href="?sort=-number">No.</a>')

    # then
    assert (capped.last_page, capped.next_href) == (1, "?page=2&after=eyJrIjoxfQ")
    assert (counted.last_page, counted.next_href, counted.sorts) == (6, "?page=2", ["-number"])


@pytest.mark.django_db
@pytest.mark.parametrize("lines", [5, 50])
def test_applying_a_change_takes_the_same_statements_for_five_lines_as_for_fifty(lines):
    result = changes.run(2, lines)

    # The bound of docs/BENCHMARKS.md, whatever the number of lines (the first change writes revision 1 too; a
    # change that raises the total asks for the customer's credit limit, and brings its instalments to it; each write
    # of events keeps the order for the metrics' daily figures to recount).
    assert result["queries_per_change"] == {"change_request_create": [8, 8], "change_request_submit": [18, 19]}
    assert result["revision"] == 3
    assert "change_request_submit" in changes.report(result)


@pytest.mark.django_db
def test_the_receivables_benchmark_measures_every_step_and_reads_what_the_invoices_owe():
    # given / when: 300 open invoices of one customer among five others
    import datetime
    from decimal import Decimal

    from bench import receivables
    from gendan.finance.models import Invoice

    result = receivables.run(300, repeat=2, warmup=1, other_customers=5)

    # then: owed as the generated invoices say, each bucket counted here from the due dates alone
    today = datetime.date.fromisoformat(result["as_of"])
    expected = {}
    for total, paid, due in Invoice.objects.filter(customer_id=result["customer_id"]).values_list(
        "total", "amount_paid", "due_date"
    ):
        late = (today - due).days
        bucket = next(
            key
            for key, last in [
                ("current", 0),
                ("days_1_30", 30),
                ("days_31_60", 60),
                ("days_61_90", 90),
                ("over_90", 10**6),
            ]
            if late <= last
        )
        expected[bucket] = expected.get(bucket, Decimal("0")) + total - paid
    assert len(expected) == 5 and all(amount > 0 for amount in expected.values())
    expected["total"] = sum(expected.values())
    assert {key: Decimal(amount) for key, amount in result["owed"].items()} == expected
    # What the ageing, the customer's card and the API read
    assert set(result["read"]) == {"ageing", "ageing_totals", "/api/v1/receivables/ageing/"}
    for amounts in result["read"].values():
        assert {key: Decimal(amount) for key, amount in amounts.items()} == expected
    assert Invoice.objects.filter(customer_id=result["customer_id"], status="issued").count() == 300
    assert Invoice.objects.exclude(customer_id=result["customer_id"]).count() == 5 * receivables.OTHER_INVOICES_EACH
    assert [step["step"] for step in result["steps"]] == receivables.STEPS
    for step in result["steps"]:
        assert step["statements"] > 0, step
        assert 0 <= step["p50_ms"] <= step["p95_ms"], step
    assert Decimal(result["dso"]) > 0
    assert "/customers/<id>/" in receivables.report(result)


@pytest.mark.django_db
def test_the_dashboard_benchmark_times_every_tab_of_each_user_and_every_metric(a_few_orders, tmp_path, capsys):
    from bench import dashboards

    # when
    exit_status = dashboards.main(["--repeat", "1", "--warmup", "0", "--json", str(tmp_path / "d.json")])

    # then
    assert exit_status == 0
    assert "over 300 ms at p95" in capsys.readouterr().out
    written = json.loads((tmp_path / "d.json").read_text())
    measured = {(m["url"], m["user"]): m for m in written["results"]}
    assert all(m["status"] == 200 and m["queries"] > 0 for m in measured.values())
    # The administrator oversees the company and keeps the books; the rep sells; the warehouse ships.
    for url, user in [
        ("/dashboard/?view=executive", "admin"),
        ("/dashboard/?view=finance", "admin"),
        ("/dashboard/?view=rep", "rep1"),
        ("/dashboard/?view=warehouse", "warehouse1"),
    ]:
        assert (url, user) in measured, url
    metrics = {url.split("/")[4] for url, user in measured if url.startswith("/api/v1/metrics/") and user == "admin"}
    assert {"sales", "gross_margin", "receivables", "dso"} <= metrics
    assert "gross_margin" not in {url.split("/")[4] for url, user in measured if user == "rep1" and "metrics" in url}
