from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """The metrics every dashboard, report, alert and the API read: it reads every app, so it sits above them all."""

    name = "gendan.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from . import verbs

        verbs.register()
        from gendan.core.events import on_events_written

        from .metrics import rollups

        on_events_written(rollups.mark)
        # Registers the Huey jobs with the worker: Huey discovers only modules named tasks.
        from . import jobs  # noqa: F401
