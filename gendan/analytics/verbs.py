"""What the analytics events are called (see core.verbs)."""

from django.utils.translation import gettext_lazy as _

from gendan.core import verbs


def register() -> None:
    verbs.register_many(
        "analytics.savedreport",
        {
            "report.created": (_("Report saved"), _("saved a report")),
            "report.updated": (_("Saved report changed"), _("changed a saved report")),
            "report.deleted": (_("Saved report deleted"), _("deleted a saved report")),
            "report.subscribed": (_("Report subscribed to"), _("subscribed to a report")),
            "report.unsubscribed": (_("Report unsubscribed from"), _("unsubscribed from a report")),
        },
    )
    verbs.register_many(
        "analytics.target",
        {
            "target.created": (_("Target set"), _("set a target")),
            "target.updated": (_("Target changed"), _("changed a target")),
            "target.deleted": (_("Target removed"), _("removed a target")),
        },
    )
    verbs.register_many(
        "analytics.alertrule",
        {
            "alert_rule.created": (_("Alert rule added"), _("added the alert rule")),
            "alert_rule.updated": (_("Alert rule edited"), _("edited the alert rule")),
            "alert_rule.deleted": (_("Alert rule deleted"), _("deleted the alert rule")),
        },
    )
    verbs.register("alert.raised", _("Alert raised"), "analytics.alert", activity=_("raised the alert"))
