import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gendan.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their models, URLs and settings: some 125,000 objects) lives as long
# as the process. Left to the collector, it is walked again by every full collection, which then falls on an unlucky
# request: 60-140 ms on one request in a few dozen (bench/pages.py). Frozen, the collector skips it.
gc.freeze()
