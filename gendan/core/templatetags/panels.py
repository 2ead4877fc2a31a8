"""{% panel panel %}: one panel another app added to this page (see gendan.core.panels)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def panel(context, panel):
    # As {% include %} does, with the panel's own context on top of the page's, for this panel only.
    included = context.template.engine.get_template(panel.template)
    with context.push(panel.context):
        return included.render(context)
