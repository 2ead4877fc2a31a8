"""/api/v1/saved-views/: the caller's saved views of lists and those their team shares; only the owner changes one."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from gendan.core.api import RetrieveMixin, ServiceViewSet
from gendan.core.filters import FilterSet

from .models import SavedView
from .selectors import saved_views_of
from .services_saved_views import (
    NAME_MAX_LENGTH,
    QUERY_MAX_LENGTH,
    saved_view_create,
    saved_view_delete,
    saved_view_update,
)


class SavedViewSerializer(serializers.ModelSerializer):
    list = serializers.CharField(source="list_name", read_only=True, help_text="The list it sets up, e.g. orders.")
    owner_name = serializers.StringRelatedField(source="owner")
    mine = serializers.SerializerMethodField(help_text="Whether it is yours (only yours can be changed).")

    class Meta:
        model = SavedView
        fields = [
            "id",
            "name",
            "list",
            "query",
            "columns",
            "shared",
            "owner",
            "owner_name",
            "mine",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_mine(self, view) -> bool:
        return view.owner_id == self.context["request"].user.pk


class SavedViewUpdateInputSerializer(serializers.Serializer):
    # Blank is the service's to refuse, with the other problems of the request at once.
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, allow_blank=True)
    query = serializers.CharField(
        max_length=QUERY_MAX_LENGTH,
        allow_blank=True,
        required=False,
        help_text="The list's filters and sort as its page's query string, e.g. status=confirmed&sort=-total.",
    )
    columns = serializers.ListField(
        child=serializers.CharField(max_length=64),
        # More than any list has.
        max_length=50,
        required=False,
        help_text="The optional columns shown, by name (e.g. status, owner, total); left out: the list's usual ones.",
    )
    shared = serializers.BooleanField(
        required=False, help_text="Shown to the members of your department too (they cannot change it)."
    )


class SavedViewInputSerializer(SavedViewUpdateInputSerializer):
    list = serializers.CharField(max_length=64, help_text="The list it sets up: orders.")


class SavedViewFilter(FilterSet):
    list = django_filters.CharFilter(field_name="list_name", help_text="Only the views of this list, e.g. orders.")

    class Meta:
        model = SavedView
        fields = ["list"]


@extend_schema_view(
    create=extend_schema(request=SavedViewInputSerializer, responses={201: SavedViewSerializer}),
    update=extend_schema(request=SavedViewUpdateInputSerializer, responses=SavedViewSerializer),
    partial_update=extend_schema(request=SavedViewUpdateInputSerializer, responses=SavedViewSerializer),
    destroy=extend_schema(responses={204: None}),
)
class SavedViewViewSet(mixins.ListModelMixin, RetrieveMixin, ServiceViewSet):
    """Your saved views of lists and the ones your department's members share; a list's page opens each."""

    serializer_class = SavedViewSerializer
    # Everyone keeps views of the lists they may read (the service checks the list's permission).
    permission_classes = [IsAuthenticated]
    filterset_class = SavedViewFilter
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedView.objects.none()
        return saved_views_of(user=self.request.user).select_related("owner")

    def create(self, request, *args, **kwargs):
        data = self.validated_input(SavedViewInputSerializer)
        view = saved_view_create(actor=request.user, list_name=data.pop("list"), **data)
        return self.render(view, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        view = self.get_object()
        data = self.validated_input(SavedViewUpdateInputSerializer, partial=partial)
        return self.render(saved_view_update(view=view, actor=request.user, **data))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        saved_view_delete(view=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
