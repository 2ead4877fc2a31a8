"""The API list of a worklist: read-only, filtered, paginated and scoped like the other lists.

Each worklist's list is its own endpoint under /api/v1/worklists/ (registered in api_urls.py);
only the people who work the list may read it, as only they see it in the navigation.
"""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins
from rest_framework.permissions import BasePermission, IsAuthenticated

from .api import RolePermission, ServiceViewSet


class WorklistPermission(BasePermission):
    def has_permission(self, request, view):
        return view.works_list(request.user)


class WorklistViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Subclasses set `works_list` (the worklist's `allowed`, as a staticmethod), `selector` and `filterset_class`.

    The order is the worklist's own (most urgent first), so there is no ?ordering= to override it.
    """

    permission_classes = [IsAuthenticated, RolePermission, WorklistPermission]
    filter_backends = [DjangoFilterBackend]

    @staticmethod
    def works_list(user) -> bool:
        return False

    @staticmethod
    def selector(*, user):
        raise NotImplementedError

    def get_queryset(self):
        return self.selector(user=self.request.user)
