"""How products are searched (core.search); indexed by migration 0004_search_indexes."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.core.search import Kind, Searchable, joined

from .models import Product

PRODUCTS = Searchable(Product, text=("sku", "name"))


def _product_url(product) -> str:
    # No detail page: the list searched for the SKU, as after saving a product.
    return f"{reverse('catalog:product_list')}?{urlencode({'q': product.sku})}"


# What the global search finds of the catalogue (core.search.Kind), registered in CatalogConfig.ready().
PRODUCT_KIND = Kind(
    "product",
    PRODUCTS,
    title=_("Products"),
    permission="catalog.view_product",
    label=lambda product: joined(product.sku, product.name),
    detail=lambda product: "" if product.is_active else pgettext_lazy("product", "Inactive"),
    url=_product_url,
    list_url="catalog:product_list",
    # The catalogue is not customer data: every role sees it (catalog.selectors.product_list).
    scope=lambda user: Product.objects.all(),
)
