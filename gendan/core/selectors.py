from django.db.models import QuerySet

from .models import Event

TIMELINE_LENGTH = 100


def timeline_events(obj, limit: int = TIMELINE_LENGTH) -> QuerySet[Event]:
    """The newest events of `obj` and of the records belonging to it, for includes/timeline.html."""
    return Event.objects.for_object(obj).select_related("actor")[:limit]
