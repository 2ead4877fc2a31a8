"""Settings that depend on the environment, read as a fresh process would read them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://someone@db.example:5432/gendan"


def database_settings(tmp_path, **environ) -> dict:
    env = {**os.environ, "GENDAN_VAR_DIR": str(tmp_path), "SECRET_KEY": "settings-test", **environ}
    out = subprocess.run(
        [sys.executable, "-c", "import json, gendan.settings as s; print(json.dumps(s.DATABASES['default']))"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def database_options(tmp_path, **environ) -> dict:
    return database_settings(tmp_path, **environ).get("OPTIONS", {})


def test_postgresql_prepares_repeated_statements_on_the_server_by_default(tmp_path):
    options = database_options(tmp_path, DATABASE_URL=PG_URL)

    assert (options["server_side_binding"], options["prepare_threshold"]) == (True, 1)


def test_postgresql_plans_each_prepared_execution_for_its_own_parameters_and_compiles_none(tmp_path):
    options = database_options(tmp_path, DATABASE_URL=PG_URL)

    assert options["options"] == "-c plan_cache_mode=force_custom_plan -c jit=off"


def test_options_given_in_the_database_url_are_kept(tmp_path):
    options = database_options(tmp_path, DATABASE_URL=PG_URL + "?options=-c%20statement_timeout%3D5000")

    assert options["options"] == "-c statement_timeout=5000 -c plan_cache_mode=force_custom_plan -c jit=off"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan cache")
def test_a_statement_run_again_and_again_is_still_planned_for_its_values():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('plan_cache_mode'), current_setting('jit')")
        settings = cursor.fetchone()

    assert settings == ("force_custom_plan", "off")


@pytest.mark.parametrize("value", ["false", "0", "no"])
def test_database_prepare_false_keeps_binding_on_the_client_for_poolers(tmp_path, value):
    options = database_options(tmp_path, DATABASE_URL=PG_URL, DATABASE_PREPARE=value)

    assert "server_side_binding" not in options and "prepare_threshold" not in options


def test_sqlite_gets_its_own_backend_and_options_and_none_of_postgresqls(tmp_path):
    database = database_settings(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    options = database["OPTIONS"]

    assert database["ENGINE"] == "gendan.core.backends.sqlite3"

    assert options["transaction_mode"] == "IMMEDIATE"
    assert "server_side_binding" not in options


def test_postgresql_runs_on_djangos_own_backend(tmp_path):
    database = database_settings(tmp_path, DATABASE_URL=PG_URL)

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert "PIPELINE_WRITES" not in database
