"""Liveness, readiness and /metrics: their statuses, the worker's heartbeat, the counters and who may read them."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from huey.contrib.djhuey import HUEY
from prometheus_client.parser import text_string_to_metric_families

from gendan.core.health import HEARTBEAT_KEY, heartbeat_record
from gendan.core.jobs import record_heartbeat


@pytest.fixture(autouse=True)
def no_heartbeat():
    """Huey's store lives as long as the test process: each test starts without a worker's heartbeat."""
    HUEY.delete(HEARTBEAT_KEY)
    yield
    HUEY.delete(HEARTBEAT_KEY)


def samples(text: str, name: str) -> dict[tuple, float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def scrape(client, **headers) -> str:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_liveness_answers_without_the_database(client):
    # No django_db mark: any query would fail the test.
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_is_ok_while_the_worker_beats(client, django_assert_max_num_queries):
    record_heartbeat.call_local()
    with django_assert_max_num_queries(1):
        response = client.get("/health/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "queue": "ok", "worker": "ok"}}


@pytest.mark.django_db
def test_readiness_fails_when_the_heartbeat_is_stale_or_missing(client, settings):
    assert client.get("/health/ready/").json()["checks"]["worker"] == "stale"  # no worker ever beat

    heartbeat_record(now=time.time() - settings.WORKER_HEARTBEAT_STALE_SECONDS - 1)
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "queue": "ok", "worker": "stale"}}

    heartbeat_record(now=time.time() - settings.WORKER_HEARTBEAT_STALE_SECONDS + 5)
    assert client.get("/health/ready/").status_code == 200


@pytest.mark.django_db
def test_readiness_fails_when_the_queue_does_not_answer(client, monkeypatch):
    heartbeat_record()

    def refuse():
        raise ConnectionError("redis://secret-host:6379 refused")

    monkeypatch.setattr(HUEY, "pending_count", refuse)
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "queue": "unreachable", "worker": "unknown"}
    assert b"secret-host" not in response.content


@pytest.mark.django_db
def test_metrics_count_requests_by_view_name_and_time_them(client, django_assert_max_num_queries):
    before = samples(scrape(client), "gendan_http_requests_total")
    client.get("/health/")
    client.get("/health/")
    client.get("/no-such-page/12345/")
    # The readings that count rows: failed notices, and dead event webhook deliveries.
    with django_assert_max_num_queries(2):
        text = scrape(client)

    counted = samples(text, "gendan_http_requests_total")
    live = (("method", "GET"), ("status", "200"), ("view", "health_live"))
    assert counted[live] == before.get(live, 0) + 2
    unresolved = (("method", "GET"), ("status", "404"), ("view", "<unresolved>"))
    assert counted[unresolved] >= 1
    assert "no-such-page" not in text  # a path never becomes a label
    assert samples(text, "gendan_http_request_duration_seconds_count")[(("view", "health_live"),)] >= 2
    assert "gendan_queue_pending_tasks 0.0" in text


@pytest.mark.django_db
def test_metrics_report_the_heartbeat_age(client):
    assert samples(scrape(client), "gendan_worker_heartbeat_age_seconds") == {}  # no worker ever beat
    heartbeat_record(now=time.time() - 100)
    age = samples(scrape(client), "gendan_worker_heartbeat_age_seconds")[()]
    assert 100 <= age < 160


@pytest.mark.django_db
def test_metrics_without_a_token_only_from_this_machine(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.20").status_code == 403


@pytest.mark.django_db
def test_metrics_with_a_token_only_with_that_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="s3cret-token").status_code == 403
    response = client.get("/metrics", REMOTE_ADDR="10.0.0.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert b"gendan_http_requests_total" in response.content


# One gunicorn worker: it counts a request, or answers a scrape.
WORKER = """
import sys, django
django.setup()
from gendan.core.metrics import REQUESTS, metrics_text
if sys.argv[1] == "count":
    REQUESTS.labels(method="GET", view="health_live", status="200").inc()
else:
    sys.stdout.write(metrics_text()[0].decode())
"""


def test_several_processes_add_up_their_counts_in_multiprocess_mode(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gendan.settings",
        "GENDAN_VAR_DIR": str(tmp_path / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    root = Path(__file__).resolve().parents[3]

    def run(action):
        command = [sys.executable, "-c", WORKER, action]
        return subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True, check=True).stdout

    run("count")
    run("count")
    counted = samples(run("scrape"), "gendan_http_requests_total")
    assert counted[(("method", "GET"), ("status", "200"), ("view", "health_live"))] == 2
