"""Gendan settings, read from the environment.

Every knob has a safe default for one machine (SQLite, Huey on SQLite, console e-mail);
production sets DATABASE_URL, REDIS_URL, SECRET_KEY and friends.
"""

from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
VAR_DIR = Path(env.str("GENDAN_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# The file the key was read from, which a backup carries (None when the environment gives the key).
SECRET_KEY_FILE = None
if not SECRET_KEY:
    # One machine out of the box: a key generated once and kept under var/, never committed.
    SECRET_KEY_FILE = VAR_DIR / "secret_key"
    if not SECRET_KEY_FILE.exists():
        from django.core.management.utils import get_random_secret_key

        SECRET_KEY_FILE.write_text(get_random_secret_key())
        SECRET_KEY_FILE.chmod(0o600)
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip()

# A phone on the office network asks for the server's LAN address (ALLOWED_HOSTS=192.168.1.20,localhost).
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "gendan.core",
    "gendan.accounts",
    "gendan.crm",
    "gendan.catalog",
    "gendan.inventory",
    "gendan.sales",
    "gendan.fulfillment",
    "gendan.finance",
    "gendan.automation",
    # Above every domain app: they read them all (the home page, the demo company for `make run`, the metrics).
    "gendan.home",
    "gendan.demo",
    "gendan.analytics",
    # At the top of the stack: it fills every app through its services (the spreadsheets a company brings).
    "gendan.imports",
]

MIDDLEWARE = [
    # First, so that the latency it measures is the whole of Django's work (gendan.core.metrics).
    "gendan.core.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "gendan.core.middleware.RequestContextMiddleware",
    # Last, so that lock-out sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gendan.urls"
WSGI_APPLICATION = "gendan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gendan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'gendan.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "gendan.core.backends.sqlite3"
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue up instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            # A checkpoint copies the WAL's pages back into the database file. Every order
            # rewrites the same hot pages (indexes, stock levels, counters): with checkpoints
            # every 40 MB instead of every 4 MB, each is copied once per checkpoint instead of
            # ten times over, and commits get about a fifth cheaper (docs/BENCHMARKS.md).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=10000;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_PREPARE", default=True):
    # Parameters bound on the server let psycopg prepare a statement the second time it
    # runs: PostgreSQL then skips parsing and planning the service queries that repeat on
    # every request, which cuts its CPU per order by about a third (docs/BENCHMARKS.md). A
    # pooler that cannot keep prepared statements (PgBouncer in transaction mode before
    # 1.21) needs DATABASE_PREPARE=false.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.update({"server_side_binding": True, "prepare_threshold": 1})
    # Each execution is still planned for its own parameters: after five, PostgreSQL may keep one generic plan
    # for every value, and a list or a count planned for no status and no owner in particular reads the wrong
    # index (the home page's "to ship" count at a million orders: 9 ms planned for its statuses, 177 ms generic).
    # What is saved is the parsing.
    # No JIT compilation: it pays off on statements that run for seconds, which a page never should, and
    # once a statement has loaded it, every parallel worker the session starts loads it too (a rep's payments
    # at a million orders: 98 -> 63 ms).
    tuning = "-c plan_cache_mode=force_custom_plan -c jit=off"
    options["options"] = " ".join(filter(None, [options.get("options"), tuning]))
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "gendan.accounts.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "gendan" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
FORMAT_MODULE_PATH = ["gendan.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "gendan" / "static",
    # Front-end packages come from npm at set-up (package-lock.json); only their dist
    # folders are exposed.
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    # SortableJS (the opportunity kanban) ships its built files at the package root.
    ("vendor/sortablejs", BASE_DIR / "node_modules" / "sortablejs"),
    # ECharts (the dashboards): echarts.min.js, the full build.
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
# Serve straight from the finders: no collectstatic step to forget on one machine.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
# Files attached to records (comments' attachments): the largest accepted, and how long after writing a
# comment its author may still edit or remove it (administrators remove any comment at any time).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
COMMENT_EDIT_HOURS = env.int("COMMENT_EDIT_HOURS", default=24)
# A list download of more rows than this is written by the worker, with a progress page; smaller ones at once.
# A row costs about a millisecond to write (its cells rendered as the list shows them, then the XLSX),
# so a download answered in the request stays within the 100 ms any page gets.
EXPORT_INLINE_ROWS = env.int("EXPORT_INLINE_ROWS", default=100)
# How long a link that shows the customer their order's progress stays open.
ORDER_STATUS_LINK_DAYS = env.int("ORDER_STATUS_LINK_DAYS", default=30)
# How long an approved credit override lets an order past its customer's credit limit, unless the requester
# asks for fewer days, and the most they may ask for.
# Days past its due date an invoice may stay open before the customer's further shipments are held (the last step
# of the dunning ladder); 0 holds nothing.
OVERDUE_HOLD_DAYS = env.int("OVERDUE_HOLD_DAYS", default=30)
# How long the link that shows a customer their statement (对账单) stays open.
STATEMENT_LINK_DAYS = env.int("STATEMENT_LINK_DAYS", default=30)
CREDIT_OVERRIDE_DAYS = env.int("CREDIT_OVERRIDE_DAYS", default=7)
CREDIT_OVERRIDE_MAX_DAYS = env.int("CREDIT_OVERRIDE_MAX_DAYS", default=30)
# Hours a prepared download is kept before the hourly sweep deletes it.
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)
# Spreadsheets brought in (gendan.imports): the largest file and the most data rows one import takes, and up to how
# many rows the dry run is done while the browser waits (a larger file is checked by the worker).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
IMPORT_CHECK_IN_REQUEST_ROWS = env.int("IMPORT_CHECK_IN_REQUEST_ROWS", default=1000)

DEFAULT_CURRENCY = "CNY"
DEFAULT_TAX_RATE = Decimal(env.str("GENDAN_DEFAULT_TAX_RATE", default="13.00"))

# How long an API token works after it is made; changing the password or deactivating the user ends it sooner.
API_TOKEN_LIFETIME = timedelta(days=env.float("API_TOKEN_LIFETIME_DAYS", default=30))
# The most lines one order or quotation may hold: more is refused on entry (UI, API and imports alike)
# rather than failing half-way in the database (SQLite caps the variables of one statement).
MAX_DOCUMENT_LINES = env.int("MAX_DOCUMENT_LINES", default=500)
# The order and quotation editors post about six fields a line: room for a few lines more than
# allowed, so one too many gets the editor's message rather than Django's bare 400.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200 + 10 * MAX_DOCUMENT_LINES
# The cache (django-environ's CACHE_URL, e.g. redis://127.0.0.1:6379/1): by default files under the var
# directory, which need nothing set up and are shared by the web processes (gunicorn's workers), so
# "count again" on one is seen by all.
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
# How long the stalled-items review keeps its counts (automation.stalled): it says when it counted
# and offers to count again.
STALLED_COUNTS_SECONDS = env.int("STALLED_COUNTS_SECONDS", default=300)
# Lists (pages, API, worklist counts) count at most this many rows and say "more than N" past it:
# counting a million rows on every page would cost more than the page itself (gendan.core.lists).
# Why 1,000 (as GitLab's and Frappe's lists): a count costs the rows it reads, and a list scoped
# through a join (a rep's payments), searched by a broad term or filtered by a worklist's
# condition reads each of them through that join; past a thousand rows nobody pages to the end.
LIST_COUNT_CAP = env.int("LIST_COUNT_CAP", default=1_000)
# A list sorted by a column no index serves is sorted when its filters leave at most this many rows
# (a sort of ten thousand rows is a few milliseconds); past it, the list keeps its usual order.
LIST_SORT_CAP = env.int("LIST_SORT_CAP", default=10_000)
# A search term that finds at least this many rows (core.search) is tested on the rows a list reads in its
# own order instead of being read through the indexes. Why 10,000: below it, reading and sorting every match
# costs tens of ms (SQLite, PostgreSQL); from it on, a term finds 1% or more of a million orders, so walking
# the list's sort index reaches a page of 25 within about 2,500 rows. The one query that decides (the probe)
# reads at most this many keys per term, and a relation finding fewer related rows (customers, contacts) is
# read once as a list of keys rather than tested by EXISTS on every row. Lower makes the middle case (a term
# finding 1-5% of the rows) walk far for its count; higher sorts more matches per page.
SEARCH_MANY_MATCHES = env.int("SEARCH_MANY_MATCHES", default=10_000)
# Past this page a list page's next/previous links find their rows by keyset rather than OFFSET.
LIST_KEYSET_FROM_PAGE = env.int("LIST_KEYSET_FROM_PAGE", default=20)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gendan.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested too deeply is refused, not crashed on (DATA_UPLOAD_MAX_MEMORY_SIZE caps its size).
    "DEFAULT_PARSER_CLASSES": [
        "gendan.core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "gendan.core.filters.SearchBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "gendan.core.pagination.ListPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "gendan.core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gendan API",
    "DESCRIPTION": "Sales order follow-up: customers, orders, stock, shipments, invoices, payments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Group operations by resource (customers, orders, ...) rather than under one "v1" tag.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Choice sets sharing a field name with another's ("kind" of a stock move) need names of their own.
    "ENUM_NAME_OVERRIDES": {
        "FollowUpKindEnum": "gendan.crm.models.FollowUpKind",
        "OpportunityStageEnum": "gendan.crm.models.Stage",
        # Orders appear in more than one list (orders, the worklists): one name for their status.
        "OrderStatusEnum": "gendan.sales.models.OrderStatus",
        "ShipmentStatusEnum": "gendan.fulfillment.models.ShipmentStatus",
        "InvoiceStatusEnum": "gendan.finance.models.InvoiceStatus",
        # A customer's invoice_kind and an invoice's kind: one name for the two kinds of VAT invoice.
        "InvoiceKindEnum": "gendan.crm.models.InvoiceKind",
        # A target's period (a year, a quarter, a month) and an alert rule's (the last week or month).
        "TargetPeriodEnum": "gendan.analytics.models.PeriodKind",
        "AlertPeriodEnum": "gendan.analytics.models.AlertPeriod",
    },
}

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "gendan",
        "url": REDIS_URL,
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
    }
else:
    HUEY = {
        "huey_class": "gendan.core.queue.SqliteHuey",
        "name": "gendan",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        # No fsync per enqueue (it cost ~0.5 ms on every committed transaction): a task lost
        # to a power cut is redone by the periodic sweeps (outbox, deliveries).
        "fsync": False,
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
    }

# Event webhooks (docs/WEBHOOKS.md): URLs on loopback, private or link-local networks are refused, at saving and
# at each delivery, unless allowed (a receiver inside the company's network). Delivery rows are deleted after
# WEBHOOK_DELIVERY_KEEP_DAYS once sent, dead letters after WEBHOOK_DEAD_LETTER_KEEP_DAYS unless replayed.
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
WEBHOOK_DELIVERY_KEEP_DAYS = env.int("WEBHOOK_DELIVERY_KEEP_DAYS", default=30)
WEBHOOK_DEAD_LETTER_KEEP_DAYS = env.int("WEBHOOK_DEAD_LETTER_KEEP_DAYS", default=90)

# Backups (gendan.core.backups, docs/DEPLOY.md): the daily archive is taken at BACKUP_HOUR ("HH:MM" on the
# company's clock, TIME_ZONE) into BACKUP_DIR, which keeps the newest BACKUP_KEEP archives.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
BACKUP_HOUR = time.fromisoformat(env.str("BACKUP_HOUR", default="02:30"))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
# /metrics answers a request bearing "Authorization: Bearer <METRICS_TOKEN>"; while the token is empty, only
# requests from the machine itself (127.0.0.1) — behind a proxy on the same machine, set a token.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Readiness fails once the worker's heartbeat (a periodic job each minute) is older than this.
WORKER_HEARTBEAT_STALE_SECONDS = env.int("WORKER_HEARTBEAT_STALE_SECONDS", default=180)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="gendan@localhost")
# Where people reach Gendan: links in e-mails and robot messages are made absolute with it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    # The Huey consumer installs its own handler; without this each line prints twice.
    "loggers": {"huey": {"propagate": False}},
}

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "gendan.core.views_errors.csrf_failure"

# HTTPS: on when people reach Gendan at an https:// SITE_URL (or HTTPS=true), off for `make run`
# on plain HTTP in the office, where secure cookies would make logging in impossible. Each knob
# can still be set on its own (docs/DEPLOY.md).
HTTPS = env.bool("HTTPS", default=SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
# Behind a reverse proxy that terminates TLS: the header it sets and the value meaning HTTPS,
# e.g. SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https. Never set it without such a proxy:
# a client could then claim HTTPS itself.
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if _proxy_ssl_header else None
# Probes from the load balancer or the orchestrator call the processes directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS", default=[SITE_URL.rstrip("/")] if SITE_URL.startswith("https://") else []
)

# Content-Security-Policy (django-csp): scripts and styles only from Gendan's own static files,
# no inline scripts or event-handler attributes (gendan/static/gendan/gendan.js wires the
# behaviour that used to live in onchange="..."). Inline styles stay allowed: style="..."
# attributes remain in templates and in what Bootstrap, htmx and the Swagger UI write, and they
# cannot run code. CSP_REPORT_URI collects violations; CSP_REPORT_ONLY=true only reports them.
_csp_directives = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF, UNSAFE_INLINE],
    # data: for Bootstrap's inline SVG icons (select arrows, close buttons) and the Swagger UI's.
    "img-src": [SELF, "data:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
if env.str("CSP_REPORT_URI", default=""):
    _csp_directives["report-uri"] = env.str("CSP_REPORT_URI")
_csp_policy = {"DIRECTIVES": _csp_directives}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = _csp_policy
