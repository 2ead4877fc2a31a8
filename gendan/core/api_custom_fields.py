"""/api/v1/custom-fields/: the custom fields of the record types the reader may see, so a client knows the keys."""

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers
from rest_framework.permissions import IsAuthenticated

from .api import RetrieveMixin, ServiceViewSet
from .custom_fields import visible_record_types
from .filters import FilterSet
from .models import CustomField, CustomRecordType


class CustomFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomField
        fields = ["id", "record_type", "key", "label", "kind", "choices", "required", "position", "active", "help_text"]
        read_only_fields = fields


class CustomFieldFilter(FilterSet):
    record_type = django_filters.ChoiceFilter(choices=CustomRecordType.choices, label=_("Record type"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = CustomField
        fields = ["record_type", "active"]


class CustomFieldViewSet(mixins.ListModelMixin, RetrieveMixin, ServiceViewSet):
    """Read by everyone signed in, for the record types they may see; set up on the settings page."""

    serializer_class = CustomFieldSerializer
    filterset_class = CustomFieldFilter
    # Not RolePermission: what the reader may see is the record types, filtered in the queryset.
    permission_classes = [IsAuthenticated]
    ordering_fields = ["position", "key"]

    def get_queryset(self):
        return CustomField.objects.filter(record_type__in=visible_record_types(self.request.user))
