import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gendan.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their models, URLs and settings: some 125,000 objects) lives as long
# as the process. Left to the collector, it is walked again by every full collection, which then falls on an unlucky
# request: 60-140 ms on one request in a few dozen (bench/pages.py). Frozen, the collector skips it.
gc.freeze()
# What a request leaves behind in cycles (an API page of 25 orders with their lines: some 90 KB of JSON) is collected
# in full every 10 collections of the middle generation by default, often enough to fall on one request in twenty
# of the larger API pages (p95 up to 153 ms against a p50 of 74). Every 30: at a million orders, the pages and API
# lists over 100 ms at p95 went from 2 to 0 (SQLite) and from 4 to 2 (PostgreSQL), for 38-47 MiB more at the
# process's peak (bench/pages.py, docs/BENCHMARKS.md).
gc.set_threshold(700, 10, 30)
