"""What the dashboard templates need: whether the reader has a dashboard (the navigation's link), and a figure or a
change written for its unit."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from gendan.analytics.dashboards import dashboards_for
from gendan.analytics.metrics import COUNT, DAYS, MONEY, PERCENT

register = template.Library()


@register.filter
def has_dashboard(user) -> bool:
    # The role's permissions are read once per request and kept on the user: the navigation asks them anyway.
    return bool(dashboards_for(user))


@register.filter
def figure(value, unit: str) -> str:
    """A metric's value as a card shows it; a dash for a ratio of nothing."""
    if value is None:
        return "—"
    if unit in (MONEY, COUNT):
        # As the lists show amounts (their drill-down): 132,751.00.
        return intcomma(value)
    if unit == PERCENT:
        return _("%(value)s%%") % {"value": floatformat(value, 1)}
    if unit == DAYS:
        return _("%(value)s days") % {"value": floatformat(value, 1)}
    return str(value)


@register.filter
def change(value, unit: str) -> str:
    """A change against the compared period, without its sign (the arrow shows it): percentage points for a
    percentage, percent otherwise."""
    size = floatformat(abs(value), 1)
    if unit == PERCENT:
        return _("%(value)s pp") % {"value": size}
    return _("%(value)s%%") % {"value": size}
