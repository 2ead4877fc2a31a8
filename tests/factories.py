"""factory-boy factories for the backbone; services do the writes where rules apply."""

import io
from decimal import Decimal

import factory
from PIL import Image

from gendan.catalog.models import Product
from gendan.crm.models import Address, Contact, Customer
from gendan.inventory.models import StockLevel, Warehouse


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.Sequence(lambda n: f"仓库{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"产品{n}")
    unit = "pcs"
    list_price = Decimal("100.00")
    floor_price = Decimal("80.00")
    cost = Decimal("60.00")


class StockLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLevel

    product = factory.SubFactory(ProductFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    on_hand = Decimal("100")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    phone = "021-55550000"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = "王经理"
    phone = "13800000000"


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    recipient = "王经理"
    phone = "13800000000"
    province = "上海市"
    city = "上海市"
    district = "浦东新区"
    street = "张江路100号"
    postal_code = "201203"


def customer_ready_to_order(owner, **kwargs) -> Customer:
    """A customer with one contact and one address, owned by `owner`."""
    customer = CustomerFactory(owner=owner, **kwargs)
    ContactFactory(customer=customer)
    AddressFactory(customer=customer)
    return customer


def small_pdf(text: str = "signed") -> bytes:
    """A one-page PDF any reader opens (header, objects, cross-reference table, trailer); `text` makes it unique."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Info(" + text.encode() + b")>>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return body


def small_png() -> bytes:
    """A real 4×4 PNG image."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()
