"""A comment's text with the people it mentions marked (escaped first: a comment is never HTML)."""

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from gendan.automation.services_comments import MENTION

register = template.Library()


@register.filter
def with_mentions(comment):
    """The body, each @token naming someone the comment mentions shown as their name."""
    people = {}
    for person in comment.mentions.all():
        people[person.username] = person
        people[(person.first_name + person.last_name).replace(" ", "")] = person
    parts, last = [], 0
    for match in MENTION.finditer(comment.body):
        token = match.group(1).rstrip(".")
        person = people.get(token)
        if person is None:
            continue
        end = match.start(1) + len(token)
        parts.append(escape(comment.body[last : match.start()]))
        parts.append(format_html('<span class="mention" title="@{}">@{}</span>', person.username, person))
        last = end
    parts.append(escape(comment.body[last:]))
    return mark_safe("".join(parts))
