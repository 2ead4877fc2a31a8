"""bench/automation.py runs on the test database and reports the scan through the partial index."""

import pytest

from bench import automation
from gendan.automation.models import Rule
from gendan.automation.shipped_rules import install


@pytest.mark.django_db
def test_the_scan_benchmark_acts_on_the_100_due_and_reads_them_through_the_partial_index(tmp_path):
    install(Rule)

    result = automation.run(500)
    automation.write_json(result, tmp_path / "scan.json")

    assert (result["n"], result["due"], result["second_scan_outcomes"]) == (500, 100, {})
    assert result["uses_partial_index"] is True
    assert "scheduled_check_due_idx" in (tmp_path / "scan.json").read_text()
    assert "partial index used            True" in automation.report(result)
