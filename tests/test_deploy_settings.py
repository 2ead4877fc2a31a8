"""Production settings come from the environment: `check --deploy` is clean with them, HTTP stays usable without."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "SITE_URL": "https://gendan.example.com",
    "ALLOWED_HOSTS": "gendan.example.com",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


def run(tmp_path, args, **environ):
    env = {**os.environ, "GENDAN_VAR_DIR": str(tmp_path), "SECRET_KEY": secrets.token_urlsafe(50), **environ}
    # The browser tests' switch (tests/browser/conftest.py) is no part of a deployment.
    for test_only in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(test_only, None)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)


def security_settings(tmp_path, **environ) -> dict:
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
    ]
    code = f"import json, gendan.settings as s; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    out = run(tmp_path, ["-c", code], **environ)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    out = run(tmp_path, ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)

    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout


def test_an_https_site_gets_secure_cookies_hsts_and_the_redirect(tmp_path):
    values = security_settings(tmp_path, **PRODUCTION)

    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://gendan.example.com"]


def test_plain_http_in_the_office_keeps_cookies_usable_and_trusts_no_proxy_header(tmp_path):
    values = security_settings(tmp_path, SITE_URL="http://192.168.1.20:8000")

    assert not values["SESSION_COOKIE_SECURE"] and not values["CSRF_COOKIE_SECURE"]
    assert not values["SECURE_SSL_REDIRECT"] and values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_each_knob_can_be_set_on_its_own(tmp_path):
    values = security_settings(tmp_path, **PRODUCTION, SECURE_HSTS_SECONDS="3600", SECURE_HSTS_PRELOAD="false")

    assert (values["SECURE_HSTS_SECONDS"], values["SECURE_HSTS_PRELOAD"]) == (3600, False)
