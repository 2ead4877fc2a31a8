"""POST /api/v1/orders/{id}/status-link/: a link the customer opens without an account to follow the order."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from .services_status_links import SEND_PERMISSION, order_status_link_send, status_link_path


class StatusLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="Opens the order's stages, shipments and invoices; shown this once.")
    expires_at = serializers.DateTimeField()


class OrderStatusLinkMixin:
    action_perms = {"status_link": SEND_PERMISSION}

    @extend_schema(request=None, responses={201: StatusLinkSerializer}, filters=False)
    @action(detail=True, methods=["post"], url_path="status-link", filter_backends=[])
    def status_link(self, request, pk=None):
        """A new link for the order's customer, until it expires (ORDER_STATUS_LINK_DAYS); on the timeline."""
        order = self.get_object()
        link, token = order_status_link_send(order=order, actor=request.user)
        body = {
            "id": link.pk,
            "url": request.build_absolute_uri(status_link_path(token)),
            "expires_at": link.expires_at,
        }
        return Response(StatusLinkSerializer(body).data, status=status.HTTP_201_CREATED)
