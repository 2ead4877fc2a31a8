"""One spreadsheet row into the app it belongs to, through that app's own service: the same checks as the pages.

A handler reads the row's values by field, names the records it refers to (a product by code, a warehouse by code or
name, an owner by user name or full name), refuses duplicates of what is already here or earlier in the file, then
calls the service. Every problem is a ValidationError keyed by the import's field names, so the row's error lands
on the column the file has for it.
"""

from ..models import ImportKind
from .orders import order_spec, orders_write
from .records import SERVICE_KEYS, customer_row, product_row, stock_row
from .values import GroupError, RowContext

__all__ = ["GROUPED", "HANDLERS", "KIND_PERMS", "SERVICE_KEYS", "GroupError", "RowContext", "may_import"]

HANDLERS = {
    ImportKind.CUSTOMERS: customer_row,
    ImportKind.PRODUCTS: product_row,
    ImportKind.STOCK: stock_row,
}

# Kinds whose rows come in groups (an order's lines): {kind: (the field that groups them, the reading of a group into
# what the writer takes, the writer of a batch of them)}.
GROUPED = {ImportKind.ORDERS: ("number", order_spec, orders_write)}

# Who may import each kind: whoever may enter one such record by hand.
KIND_PERMS = {
    ImportKind.CUSTOMERS: "crm.add_customer",
    ImportKind.PRODUCTS: "catalog.add_product",
    ImportKind.STOCK: "inventory.add_stockmove",
    # Shipments, invoices and payments in the rows need their own rights too, checked row by row.
    ImportKind.ORDERS: "sales.add_order",
}


def may_import(user, kind: str | None = None) -> bool:
    if kind is not None:
        return kind in KIND_PERMS and user.has_perm(KIND_PERMS[kind])
    return any(user.has_perm(perm) for perm in KIND_PERMS.values())
