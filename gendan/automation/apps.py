from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "gendan.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self):
        from . import verbs

        verbs.register()
        from gendan.core.events import on_events_committed

        from . import subscribers  # noqa: F401 - registers the outbox subscribers

        # Registers the Huey jobs with the worker: Huey discovers only modules named tasks.
        from .jobs import channels, deadlines, digest, rules, webhooks  # noqa: F401
        from .jobs.outbox import dispatch_events

        on_events_committed(lambda event_ids: dispatch_events(list(event_ids)))

        # What the apps below ask of automation, without importing it.
        from gendan.core import hooks

        from .assignment import assign_owner
        from .followups import followup_recorded
        from .worklists import register_worklists

        hooks.assign_owner.provide(assign_owner)
        hooks.on_recorded("followup.created", followup_recorded)
        register_worklists()

        from .panels import register_panels

        register_panels()

        from gendan.core.metrics import register_reading

        from .readings import failed_deliveries

        register_reading(
            "gendan_failed_deliveries",
            "Notices that failed for good on a channel (e-mail, webhook, ...)",
            failed_deliveries,
            labels=("channel",),
        )
