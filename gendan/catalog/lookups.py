"""Products picked by SKU or name as people type (core.lookups): active products, which every role may read."""

from django.urls import reverse_lazy

from gendan.core.lookups import LOOKUP_LIMIT, LookupInput
from gendan.core.search import search

from .models import Product
from .search import PRODUCTS


def _label(sku: str, name: str) -> str:
    return f"{name} ({sku})"


def product_matches(user, query: str):
    """Active products that `query` finds by SKU or name (catalog.search.PRODUCTS), by name."""
    products = search(Product.objects.filter(is_active=True), PRODUCTS, query)
    rows = products.order_by("name", "pk").values_list("pk", "sku", "name")[:LOOKUP_LIMIT]
    return [(pk, _label(sku, name)) for pk, sku, name in rows]


def product_label(pk: int, user) -> str | None:
    # Inactive products too: a filter on an old product's stock moves still names it.
    row = Product.objects.filter(pk=pk).values_list("sku", "name").first()
    return _label(*row) if row else None


def product_picker() -> LookupInput:
    return LookupInput(source=reverse_lazy("lookup_products"), label_of=product_label)
