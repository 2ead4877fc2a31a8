"""Prometheus metrics (/metrics): requests and their latency, and readings taken when Prometheus asks.

Requests are counted by method, view name and status, and timed by view name: a view's name, never the
path, so that the labels stay few whatever URLs are asked for. Readings (queue depth, the worker heartbeat's
age, and what higher apps register, such as automation's failed deliveries) are read at each scrape: core is low
in the stack and may not import them, so a higher app registers its reading here in its AppConfig.ready().

Several gunicorn workers: with PROMETHEUS_MULTIPROC_DIR set (bin/serve sets it), each process writes its
counters to files there and a scrape adds them up (prometheus_client's multiprocess mode); the readings come from
the database and the queue, the same from any process.
"""

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .health import heartbeat_age, queue_pending

logger = logging.getLogger(__name__)

# The methods a browser or an API client sends; anything else is counted as "other" (labels stay bounded).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED = "<unresolved>"

REQUESTS = Counter("gendan_http_requests", "HTTP requests answered", ["method", "view", "status"])
LATENCY = Histogram(
    "gendan_http_request_duration_seconds",
    "Time Django took to answer, by view",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def request_observed(request, status: int, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match else UNRESOLVED
    method = request.method if request.method in KNOWN_METHODS else "other"
    REQUESTS.labels(method=method, view=view, status=str(status)).inc()
    LATENCY.labels(view=view).observe(seconds)


@dataclass(frozen=True)
class Reading:
    """A gauge read at each scrape: `read()` gives (label values, value) pairs."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Iterable[tuple[tuple[str, ...], float]]]


_readings: dict[str, Reading] = {}


def register_reading(
    name: str, documentation: str, read: Callable[[], Iterable[tuple[tuple[str, ...], float]]], labels=()
) -> None:
    _readings[name] = Reading(name, documentation, tuple(labels), read)


class _ReadingsCollector(Collector):
    def collect(self):
        for reading in list(_readings.values()):
            try:
                values = list(reading.read())
            except Exception:
                # One reading that fails (its table locked, the queue down) leaves the others and the counters.
                logger.exception("Metric %s could not be read", reading.name)
                continue
            family = GaugeMetricFamily(reading.name, reading.documentation, labels=list(reading.labels))
            for label_values, value in values:
                family.add_metric(list(label_values), value)
            yield family


READINGS = _ReadingsCollector()
REGISTRY.register(READINGS)


def metrics_text() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(READINGS)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST


def _heartbeat_age():
    age = heartbeat_age()
    return [] if age is None else [((), age)]


register_reading("gendan_queue_pending_tasks", "Tasks waiting in the Huey queue", lambda: [((), queue_pending())])
register_reading(
    "gendan_worker_heartbeat_age_seconds", "Seconds since a worker last recorded its heartbeat", _heartbeat_age
)
