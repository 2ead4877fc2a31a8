"""What the analytics events are called (see core.verbs)."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs


def register() -> None:
    verbs.register_many(
        "analytics.target",
        {
            "target.created": (_("Target set"), _("set a target")),
            "target.updated": (_("Target changed"), _("changed a target")),
            "target.deleted": (_("Target removed"), _("removed a target")),
        },
    )
