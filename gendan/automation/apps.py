from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "gendan.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self):
        from gendan.core.events import on_events_committed

        from . import subscribers  # noqa: F401 - registers the outbox subscribers
        from .tasks import dispatch_events

        on_events_committed(lambda event_ids: dispatch_events(list(event_ids)))
