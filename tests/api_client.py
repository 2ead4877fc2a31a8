"""API clients for tests: token authentication, so every request loads its user afresh (as in production)."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def api_as(user) -> APIClient:
    token, _created = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
