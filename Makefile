# Gendan: `make run` sets up everything and starts web + worker; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 0.0.0.0
PYTEST_ARGS ?=

.PHONY: run test install install-dev frontend messages migrate demo serve lint format lock bench load clean chromium pdf-deps gettext

run: install pdf-deps frontend messages migrate demo serve

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements/base.lock | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.lock
	touch $@

$(VENV)/.dev: requirements/dev.lock | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.lock
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime

install-dev: $(VENV)/.dev

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend: node_modules/.package-lock.json

messages: install
	$(PY) manage.py compile_translations

migrate: install
	$(PY) manage.py migrate --no-input

demo: install
	$(PY) manage.py load_demo_data

serve: install
	PORT=$(PORT) HOST=$(HOST) bin/serve

# Browser tests drive Debian's chromium; install it (and CJK fonts for screenshots) when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium fonts-noto-cjk'" >&2; exit 1; fi; }

# A test extracts the translatable strings with GNU gettext (as makemessages does) to find untranslated ones.
gettext:
	@command -v xgettext >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	  else echo "gettext is missing: run 'sudo apt-get install gettext'" >&2; exit 1; fi; }

# WeasyPrint (quotation PDFs) needs Pango and, for Chinese text, CJK fonts: install the Debian
# packages that are missing (as root; otherwise say what to install). A no-op once they are there.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
pdf-deps:
	@command -v dpkg-query >/dev/null 2>&1 || exit 0; \
	missing=""; for package in $(PDF_PACKAGES); do \
	  dpkg-query -W -f='$${db:Status-Status}' $$package 2>/dev/null | grep -qx installed || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "PDF rendering needs:$$missing; run 'sudo apt-get install$$missing'" >&2; exit 1; fi; \
	fi

test: install-dev frontend chromium pdf-deps gettext
	$(PY) manage.py compile_translations
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Re-pin every Python dependency (needs uv: pip install uv). Extras stay in the pins (fonttools[woff], which
# weasyprint asks for): pip's --require-hashes refuses a dependency's extra that no pin names, once a newer
# release of the package exists.
lock:
	cd requirements && uv pip compile base.in --python-version 3.11 --generate-hashes --no-strip-extras -q -o base.lock
	cd requirements && uv pip compile dev.in --python-version 3.11 --generate-hashes --no-strip-extras -q -o dev.lock

bench: install-dev
	$(PY) bench/o2c.py --n 500

# The scaled-out set-up under load (docs/DEPLOY.md): PostgreSQL, its own Redis, 2 gunicorn, Huey, nginx if installed.
load: install-dev
	$(PY) bench/load.py --users 30 --run-time 60s --json bench/results/load.json

clean:
	rm -rf $(VENV) node_modules staticfiles
