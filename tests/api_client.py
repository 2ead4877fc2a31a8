"""API clients for tests: token authentication, so every request loads its user afresh (as in production)."""

import datetime
import secrets

from django.utils import timezone
from rest_framework.test import APIClient

from gendan.accounts.models import ApiToken, token_digest


def api_as(user) -> APIClient:
    """A client with a fresh token of the user's."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


def token_for(user) -> str:
    """The key of a fresh token of the user's.

    Made directly rather than through api_token_issue: tests that count a record's events
    should not meet the token's. Marked as just used, or the first request's "last used"
    write would show in the query counts.
    """
    key = secrets.token_urlsafe(30)
    now = timezone.now()
    ApiToken.objects.create(
        user=user,
        name="tests",
        prefix=key[:8],
        digest=token_digest(key),
        expires_at=now + datetime.timedelta(days=1),
        last_used_at=now,
    )
    return key
