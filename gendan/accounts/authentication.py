"""`Authorization: Token <key>` against ApiToken: the key's digest is looked up, expiry and revocation refused with 401."""

from datetime import timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken, token_digest

# "Last used" is kept to the minute: writing it on every request would turn each read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)

NEW_TOKEN_HINT = _("Get a new one with POST /api/v1/auth/token/ or on the API tokens page.")
REVOKED_MESSAGES = {
    ApiToken.Revoked.BY_USER: _("This token was revoked."),
    ApiToken.Revoked.PASSWORD_CHANGED: _("This token was revoked because the password was changed."),
    ApiToken.Revoked.DEACTIVATED: _("This token was revoked because the user was deactivated."),
}


class ApiTokenAuthentication(TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key):
        token = self.model.objects.select_related("user").filter(digest=token_digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."), code="token_invalid")
        now = timezone.now()
        if token.revoked_at is not None:
            message = REVOKED_MESSAGES.get(token.revoked_reason, REVOKED_MESSAGES[ApiToken.Revoked.BY_USER])
            raise exceptions.AuthenticationFailed(f"{message} {NEW_TOKEN_HINT}", code="token_revoked")
        if token.expires_at <= now:
            expired = _("This token expired at %(when)s.") % {
                "when": date_format(timezone.localtime(token.expires_at), "Y-m-d H:i")
            }
            raise exceptions.AuthenticationFailed(f"{expired} {NEW_TOKEN_HINT}", code="token_expired")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."), code="user_inactive")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            self.model.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token
