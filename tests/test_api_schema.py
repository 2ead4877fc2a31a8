"""The OpenAPI schema is valid, complete for the contract, and the docs page renders."""

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

# The contract of issue 3, section 5: paths and the fields clients are written against.
CONTRACT = {
    "/api/v1/customers/": ("Customer", ["name", "phone", "owner", "contacts", "addresses"]),
    "/api/v1/products/": ("Product", ["sku", "name", "unit", "list_price", "floor_price", "cost"]),
    "/api/v1/warehouses/": ("Warehouse", ["code", "name"]),
    "/api/v1/stock-levels/": ("StockLevel", ["product", "warehouse", "on_hand", "reserved", "available"]),
    "/api/v1/stock-moves/": ("StockMove", ["kind", "product", "warehouse", "quantity", "note"]),
    "/api/v1/orders/": (
        "Order",
        ["number", "customer", "status", "delivery_status", "billing_status", "payment_status", "total", "version"],
    ),
    "/api/v1/shipments/": ("Shipment", ["order", "lines", "carrier", "tracking_number"]),
    "/api/v1/invoices/": ("Invoice", ["order", "lines", "total"]),
    "/api/v1/payments/": ("Payment", ["customer", "amount", "method", "received_on", "allocations"]),
}
ACTIONS = [
    "/api/v1/auth/token/",
    "/api/v1/orders/{id}/submit/",
    "/api/v1/orders/{id}/approve/",
    "/api/v1/orders/{id}/reject/",
    "/api/v1/orders/{id}/cancel/",
    "/api/v1/orders/{id}/hold/",
    "/api/v1/orders/{id}/resume/",
    "/api/v1/shipments/{id}/ship/",
    "/api/v1/shipments/{id}/deliver/",
    "/api/v1/invoices/{id}/issue/",
]


@pytest.fixture
def schema():
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_the_schema_builds_without_warnings(tmp_path):
    # --fail-on-warn: every serializer field and every action has a known type.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


def test_every_contract_path_and_field_is_in_the_schema(schema):
    components = schema["components"]["schemas"]

    for path, (component, fields) in CONTRACT.items():
        assert "get" in schema["paths"][path], path
        missing = set(fields) - set(components[component]["properties"])
        assert not missing, (component, missing)
    for path in ACTIONS:
        assert "post" in schema["paths"][path], path
    order_line = components["OrderLine"]["properties"]
    assert {
        "id",
        "product",
        "quantity",
        "unit_price",
        "discount_percent",
        "reserved_quantity",
        "shipped_quantity",
        "invoiced_quantity",
    } <= set(order_line)
    assert {"recipient", "phone", "province", "city", "district", "street", "postal_code"} <= set(
        components["Address"]["properties"]
    )


def test_amounts_are_decimal_strings_in_the_schema(schema):
    order = schema["components"]["schemas"]["Order"]["properties"]

    assert (order["total"]["type"], order["total"]["format"]) == ("string", "decimal")


def test_actions_document_their_request_bodies(schema):
    def request_schema(path):
        return schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]

    assert request_schema("/api/v1/orders/{id}/reject/").endswith("/RejectInputRequest")
    assert request_schema("/api/v1/shipments/{id}/deliver/").endswith("/DeliverInputRequest")
    assert request_schema("/api/v1/orders/").endswith("/OrderInputRequest")
    created = schema["paths"]["/api/v1/orders/"]["post"]["responses"]["201"]
    assert created["content"]["application/json"]["schema"]["$ref"].endswith("/Order")
    assert "Idempotency-Key" in {p["name"] for p in schema["paths"]["/api/v1/orders/"]["post"]["parameters"]}


def test_the_docs_page_renders_with_its_script_in_a_file_of_its_own():
    response = APIClient().get("/api/docs/")
    script = APIClient().get("/api/docs/?script")

    assert response.status_code == script.status_code == 200
    assert b"swagger-ui" in response.content
    assert b'src="/api/docs/?script="' in response.content  # no inline script for the CSP to refuse
    assert b"/api/schema/" in script.content
