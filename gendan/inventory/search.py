"""How warehouses and stock are searched (core.search): stock by its product."""

from gendan.catalog.search import PRODUCTS
from gendan.core.search import Searchable

from .models import StockLevel, StockMove, Warehouse

# A handful of rows: no index.
WAREHOUSES = Searchable(Warehouse, scanned=("code", "name"))
STOCK_LEVELS = Searchable(StockLevel, through=(("product", PRODUCTS),))
STOCK_MOVES = Searchable(StockMove, through=(("product", PRODUCTS),))
