"""The worker knows every Huey job, read as `manage.py run_huey` would: a fresh process, then Huey's discovery.

Jobs live in modules named jobs (Task is a model), which Huey does not discover by itself: each
app's ready() imports them. A fresh process, because this test process has imported job modules
through other tests and would see them registered even if ready() forgot one.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# What run_huey does before it starts the consumer: set Django up, then autodiscover "tasks" modules.
# Huey has no public list of its tasks; its registry keeps them by "module.function".
WORKER = """
import json, django
django.setup()
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY
autodiscover_modules("tasks")
registry = HUEY._registry
print(json.dumps({
    "tasks": sorted(registry._registry),
    "periodic": sorted(registry.task_to_string(task) for task in registry._periodic_tasks),
}))
"""

PERIODIC = {
    "gendan.automation.jobs.outbox.sweep_outbox",
    "gendan.automation.jobs.channels.send_pending_deliveries",
    "gendan.automation.jobs.digest.send_daily_digest",
    "gendan.automation.jobs.deadlines.scan_deadlines",
    "gendan.automation.jobs.rules.scan_due_checks",
    "gendan.automation.jobs.rules.backfill_date_rules",
    "gendan.crm.jobs.expire_contracts",
    "gendan.sales.jobs.expire_quotations",
    "gendan.core.jobs.record_heartbeat",
    "gendan.core.jobs.daily_backup",
}
ON_DEMAND = {
    "gendan.automation.jobs.outbox.dispatch_events",
    "gendan.automation.jobs.channels.send_deliveries",
    "gendan.automation.jobs.rules.backfill_date_rule",
}


def test_the_worker_registers_every_job_and_every_periodic_job():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gendan.settings"}
    out = subprocess.run([sys.executable, "-c", WORKER], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    registered = json.loads(out.stdout)

    assert set(registered["tasks"]) >= PERIODIC | ON_DEMAND
    assert set(registered["periodic"]) >= PERIODIC
    assert not ON_DEMAND & set(registered["periodic"])
    # No module named tasks holds Huey jobs any more: that name belongs to the Task model's pages.
    assert not [name for name in registered["tasks"] if ".tasks." in name]
