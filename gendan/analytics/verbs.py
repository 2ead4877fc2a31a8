"""The event verbs analytics records: alert rules set by an administrator, and the alerts they raise."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs


def register() -> None:
    verbs.register_many(
        "analytics.alertrule",
        {
            "alert_rule.created": (_("Alert rule added"), _("added the alert rule")),
            "alert_rule.updated": (_("Alert rule edited"), _("edited the alert rule")),
            "alert_rule.deleted": (_("Alert rule deleted"), _("deleted the alert rule")),
        },
    )
    verbs.register("alert.raised", _("Alert raised"), "analytics.alert", activity=_("raised the alert"))
