"""A user's API tokens: issued, listed, revoked. Each function is one transaction and records its event."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode

from .models import ApiToken, User, token_digest
from .selectors import api_tokens_of

TOKEN_NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length


@transaction.atomic
def api_token_issue(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the actor, good for settings.API_TOKEN_LIFETIME; returns it with its key, shown this once."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Name the token after the client or device that will use it.")]})
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        raise ValidationError({"name": [_("Use at most %(max)s characters.") % {"max": TOKEN_NAME_MAX_LENGTH}]})
    key = secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=key[:8],
        digest=token_digest(key),
        expires_at=timezone.now() + settings.API_TOKEN_LIFETIME,
    )
    events.record(actor, "api_token.issued", token, data={"expires_at": token.expires_at}, root=actor)
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own live tokens."""
    token = api_tokens_of(user=actor).select_for_update().filter(pk=token.pk).first()
    if token is None:
        raise ApplicationError(_("This token no longer works: it was revoked or has expired."), ErrorCode.NOT_EDITABLE)
    token.revoked_at = timezone.now()
    token.revoked_reason = ApiToken.Revoked.BY_USER
    token.save(update_fields=["revoked_at", "revoked_reason"])
    events.record(actor, "api_token.revoked", token, data={"reason": token.revoked_reason}, root=actor)
    return token
