"""How products are searched (core.search); indexed by migration 0004_search_indexes."""

from gendan.core.search import Searchable

from .models import Product

PRODUCTS = Searchable(Product, text=("sku", "name"))
