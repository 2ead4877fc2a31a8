"""The API's own log-in: a username and password swapped for a token, and the caller's tokens listed and revoked."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import ApiToken
from .selectors import api_tokens_of
from .services import TOKEN_NAME_MAX_LENGTH, api_token_issue, api_token_revoke


class TokenObtainInputSerializer(AuthTokenSerializer):
    name = serializers.CharField(
        required=False,
        max_length=TOKEN_NAME_MAX_LENGTH,
        help_text=_(
            "What the token is for (a client or device), as the token list shows it; the User-Agent if left out."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <token>`. It is shown only this once."))
    expires = serializers.DateTimeField(help_text=_("When the token stops working."))


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it in a list: never its key."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


class TokenObtainView(APIView):
    """Swap a username and password for a new token to send as `Authorization: Token <token>`.

    Each call makes another token (one per client or device), good until `expires`; changing the
    password or deactivating the user revokes them all.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenObtainInputSerializer,
        responses={200: TokenSerializer, 429: OpenApiTypes.OBJECT},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenObtainInputSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except DRFValidationError:
            # django-axes refuses a locked-out user inside authenticate(), which DRF can only
            # report as bad credentials; say what really happened, as the log-in page does.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": _("Too many failed log-ins. Try again later."), "code": "locked_out"},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise
        name = (serializer.validated_data.get("name") or request.headers.get("User-Agent", "")).strip() or "API"
        token, key = api_token_issue(actor=serializer.validated_data["user"], name=name[:TOKEN_NAME_MAX_LENGTH])
        return Response(TokenSerializer({"token": key, "expires": token.expires_at}).data)


class ApiTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own tokens that still work (never their keys); DELETE revokes one at once."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = []

    def get_queryset(self):
        return api_tokens_of(user=self.request.user)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        api_token_revoke(actor=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
