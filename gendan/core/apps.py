from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gendan.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db import models
        from rest_framework import serializers

        # Registers the Huey jobs with the worker: Huey discovers only modules named tasks.
        from . import (
            jobs,  # noqa: F401
            table_cells,
        )
        from .api import StoredDecimalField
        from .services_custom_fields import register_verbs

        table_cells.install()
        register_verbs()

        # DRF's documented mapping from model fields to serializer fields, for every ModelSerializer at once.
        serializers.ModelSerializer.serializer_field_mapping[models.DecimalField] = StoredDecimalField
