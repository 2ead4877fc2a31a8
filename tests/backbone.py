"""Shared set-ups for tests that need a ready order: stock, a customer, an order through the services."""

from decimal import Decimal

from gendan.sales.services import order_create

from .factories import ProductFactory, StockLevelFactory, WarehouseFactory, customer_ready_to_order


def stocked_products(count=3, on_hand="100", warehouse=None, **product_kwargs):
    warehouse = warehouse or WarehouseFactory(code="SH", name="上海仓")
    products = []
    for _ in range(count):
        product = ProductFactory(**product_kwargs)
        StockLevelFactory(product=product, warehouse=warehouse, on_hand=Decimal(on_hand))
        products.append(product)
    return warehouse, products


def draft_order(rep, products, quantities=None, customer=None, repeat_reason="a repeat order of a test", **kwargs):
    """A draft order. Tests about something else place the same order twice at will: `repeat_reason` answers
    the duplicate-order check (tests of that check pass repeat_reason="")."""
    customer = customer or customer_ready_to_order(rep)
    quantities = quantities or ["1"] * len(products)
    kwargs.setdefault("duplicate_reason", repeat_reason)
    return order_create(
        actor=rep,
        customer=customer,
        contact=customer.contacts.first(),
        shipping_address=customer.addresses.first(),
        lines=[{"product": p, "quantity": Decimal(q)} for p, q in zip(products, quantities, strict=True)],
        **kwargs,
    )


# What shipping needs (a carrier and its tracking number), for tests about something else.
COURIER = {"carrier": "顺丰速运", "tracking_number": "SF1234567890"}
