from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "gendan.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from gendan.core import exportable, search

        from .lists import product_rows
        from .search import PRODUCT_KIND

        # The record types one search box finds (core.search).
        search.register(PRODUCT_KIND)
        exportable.register("products", product_rows, permission="catalog.view_product")
