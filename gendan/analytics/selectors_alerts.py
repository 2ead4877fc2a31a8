"""Reads of alerts, shared by the pages and the API: nobody reads another person's alerts."""

from django.db.models import QuerySet

from .models import Alert


def alerts_of(*, user) -> QuerySet[Alert]:
    """The user's own alerts, newest first, with what each names."""
    if user is None or not user.is_authenticated:
        return Alert.objects.none()
    return Alert.objects.filter(recipient=user).select_related("rule", "customer", "order", "product")
