from django.db.models import QuerySet

from .models import ApiToken, User


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first; nobody lists another person's."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).live()
