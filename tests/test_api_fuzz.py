"""An outside fuzzer over the whole OpenAPI schema: no operation answers 5xx, whatever it is sent.

Schemathesis reads the schema the app serves and sends every operation generated requests —
ones that fit the schema and ones that break it — through the WSGI app, as an admin with a
token, over a world holding a record of every kind in the state its actions need. A bounded
number of examples per operation keeps the walk to a couple of minutes; every failing
operation is reported at once, not only the first.
"""

import contextlib
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from gendan.wsgi import application
from tests.api_client import token_for
from tests.api_walk import walk_world

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = int(os.environ.get("GENDAN_FUZZ_EXAMPLES", "25"))
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


@contextlib.contextmanager
def connection_kept_open():
    """The app is called as a server calls it: keep it from closing the test's connection (and its transaction).

    Django's test client does the same around each of its requests, and connects the handler again after.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema():
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = application
    return schema


def failures_of(operation, mode, headers) -> list[str]:
    found = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case):
        try:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])
        except FailureGroup as exc:
            found.append(f"{operation.label} [{mode.value}]\n{exc}")

    # Unsatisfiable: nothing in this operation can be sent broken (no parameters, no body), so nothing to try.
    with contextlib.suppress(Unsatisfiable):
        fuzz()
    return found


def test_no_operation_answers_a_server_error(api_schema, personas):
    walk_world(personas)

    failures = []
    with connection_kept_open():
        for result in api_schema.get_all_operations():
            operation = result.ok()
            # A token of its own for each operation: DELETE /auth/tokens/{id}/ may revoke the one in use.
            headers = {"Authorization": f"Token {token_for(personas['admin'])}"}
            for mode in MODES:
                failures.extend(failures_of(operation, mode, headers))

    assert not failures, "\n\n".join(failures)
