"""Decimals shown as people write them: the helper, its template filter, form inputs and CSV downloads."""

import csv
import io
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from gendan.core.exports import export_response
from gendan.core.forms import DecimalInput
from gendan.core.numbers import plain_decimal
from gendan.core.tables import number
from gendan.core.text import comparable_text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("10"), "10"),
        (Decimal("1E+1"), "10"),
        (Decimal("10.000"), "10"),
        (Decimal("2.50"), "2.5"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.000"), "0"),
        (Decimal("-0.00"), "0"),
        (Decimal("0E-7"), "0"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("-3.140"), "-3.14"),
        (Decimal("1234567890123456789012345678901.5"), "1234567890123456789012345678901.5"),
        (7, "7"),
        ("12.30", "12.3"),
        (None, ""),
        ("", ""),
    ],
)
def test_plain_decimal_writes_numbers_without_exponent_or_trailing_zeros(value, shown):
    assert plain_decimal(value) == shown


finite_decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**15), max_value=10**15, places=6)


@given(finite_decimals)
def test_plain_decimal_is_the_same_number_in_plain_digits(number):
    text = plain_decimal(number)

    assert Decimal(text) == number
    assert "E" not in text.upper()
    assert not ("." in text and text.endswith("0"))
    assert not text.endswith(".")
    assert text != "-0"


@given(finite_decimals)
def test_plain_decimal_is_the_same_for_every_way_of_writing_a_number(number):
    assert (
        plain_decimal(number.normalize())
        == plain_decimal(number.quantize(Decimal("0.000001")))
        == plain_decimal(number)
    )


def test_the_template_filter_shows_numbers_plain_and_leaves_the_rest_alone():
    template = Template(
        "{% load gendan_ui %}{{ a|plain_number }} {{ b|plain_number }} {{ c|plain_number }}|{{ d|plain_number }}"
    )

    shown = template.render(Context({"a": Decimal("1E+1"), "b": Decimal("2.500"), "c": "—", "d": None}))

    assert shown == "10 2.5 —|"


def test_a_decimal_input_shows_the_number_as_typed():
    class QuantityForm(forms.Form):
        quantity = forms.DecimalField(decimal_places=3, widget=DecimalInput)

    html = str(QuantityForm(initial={"quantity": Decimal("1E+1")})["quantity"])
    typed_back = str(QuantityForm({"quantity": "10.0"})["quantity"])

    assert 'value="10"' in html
    assert 'value="10.0"' in typed_back  # what the user typed stays as typed


def test_csv_downloads_write_decimals_plain():
    rows = [{"quantity": Decimal("1E+1")}, {"quantity": Decimal("2.500")}]

    response = export_response(rows, [("Qty", lambda row: row["quantity"])], "csv", "quantities")

    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [["Qty"], ["10"], ["2.5"]]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("付款：30%预付\r\n交货：两周内", "付款：30%预付\n交货：两周内"),
        ("付款：30%预付  \n交货：两周内\n", "付款：30%预付\n交货：两周内"),
        ("", None),
        ("line\rnext", "line\nnext"),
    ],
)
def test_text_compares_as_read_whatever_the_line_ends(typed, stored):
    assert comparable_text(typed) == comparable_text(stored)


def test_text_that_reads_differently_still_differs():
    assert comparable_text("付款：30%预付") != comparable_text("付款：50%预付")
    assert comparable_text("a\nb") != comparable_text("a b")


def test_a_list_cell_shows_a_quantity_with_the_decimals_it_has_grouped():
    with translation.override("en"):
        shown = [number(Decimal(q)) for q in ("2.500", "1200.000", "-5.000", "1234.125")]

    assert shown == ["2.5", "1,200", "-5", "1,234.125"]
