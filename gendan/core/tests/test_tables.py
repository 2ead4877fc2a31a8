"""The shared list base: sort keys from a whitelist, the page, and downloads read from the same columns."""

import csv
import datetime
import io

import django_tables2 as tables
import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from gendan.core.lists import PAGE_SIZE
from gendan.core.tables import ListTable, list_response


class PeopleTable(ListTable):
    default_sort = "name"
    export_name = "people"
    export_sequence = ("joined_at", "name", "email")

    name = tables.Column("Name", accessor="username", orderable=True, order_by=("last_name", "username"))
    email = tables.Column("E-mail")

    joined = tables.Column("Joined", accessor="date_joined", orderable=True, exclude_from_export=True)
    first_name = tables.Column("First name")
    # In downloads only.
    joined_at = tables.Column("Joined at", accessor="date_joined", visible=False)

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "people-table"}
        row_attrs = {"data-testid": "person-row"}
        empty_text = "Nobody."

    def render_name(self, value):
        return f"<{value}>"


def _get(params, *, exclude=()):
    request = RequestFactory().get("/people/", params)
    users = get_user_model().objects.all()
    return list_response(request, PeopleTable, users, "includes/table_page_for_tests.html", exclude=exclude)


@pytest.fixture
def people(db):
    User = get_user_model()
    return [
        User.objects.create_user(username=f"user{n:02d}", email=f"u{n}@example.com", first_name=f"F{n}")
        for n in range(PAGE_SIZE + 2)
    ]


@pytest.fixture(autouse=True)
def page_template(settings, tmp_path):
    (tmp_path / "includes").mkdir()
    (tmp_path / "includes" / "table_page_for_tests.html").write_text(
        "{% load django_tables2 %}{% render_table table %}"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


@pytest.mark.parametrize(
    ("requested", "used"),
    [
        ("name", "name"),
        ("-joined", "-joined"),
        (None, "name"),
        ("", "name"),
        ("password", "name"),  # not a column
        ("-email", "name"),  # a column, but not a sortable one
        ("--name", "name"),
    ],
)
def test_only_sortable_columns_are_sort_keys(requested, used):
    assert PeopleTable.sort_key(requested) == used


def test_a_column_hidden_from_the_user_is_no_sort_key():
    assert PeopleTable.sort_key("-joined", exclude=("joined",)) == "name"


def test_ordering_uses_the_columns_fields_and_breaks_ties_by_primary_key(db):
    users = get_user_model().objects.all()

    assert PeopleTable.order(users, "name").query.order_by == ("last_name", "username", "pk")
    assert PeopleTable.order(users, "-name").query.order_by == ("-last_name", "-username", "-pk")
    assert PeopleTable.order(users, "-joined").query.order_by == ("-date_joined", "-pk")


def test_the_page_holds_25_rows_in_the_requested_order_with_the_pager(people):
    # when
    first = _get({"sort": "-name"})
    second = _get({"sort": "-name", "page": "2"})

    # then
    assert first.status_code == 200
    html = first.content.decode()
    assert html.count('data-testid="person-row"') == PAGE_SIZE
    assert html.index("&lt;user26&gt;") < html.index("&lt;user25&gt;")
    assert 'href="?sort=name"' in html  # the active column's header flips the order
    assert "Joined at" not in html  # a download-only column
    assert second.content.decode().count('data-testid="person-row"') == 2


def test_an_unknown_sort_key_falls_back_to_the_default_order(people):
    html = _get({"sort": "password"}).content.decode()

    assert html.index("&lt;user00&gt;") < html.index("&lt;user01&gt;")


def test_a_download_holds_every_filtered_row_in_the_export_columns_with_typed_values(people):
    # when
    as_csv = _get({"export": "csv", "page": "2"})
    as_xlsx = _get({"export": "xlsx", "sort": "-name"})

    # then
    assert as_csv["Content-Disposition"].startswith('attachment; filename="people-')
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == ["Joined at", "Name", "E-mail"]
    assert len(rows) == 1 + PAGE_SIZE + 2
    assert rows[1][1:] == ["user00", "u0@example.com"]  # the value, not what render_name shows
    sheet = list(openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active.values)
    assert sheet[1][1] == "user26"
    assert isinstance(sheet[1][0], datetime.datetime)


def test_excluded_columns_leave_the_page_and_the_download(people):
    page = _get({}, exclude=("email",)).content.decode()
    download = _get({"export": "csv"}, exclude=("email",)).content.decode("utf-8-sig")

    assert "E-mail" not in page and "u0@example.com" not in page
    assert download.splitlines()[0] == "Joined at,Name"


def test_an_empty_list_says_so(db):
    html = _get({"export": "pdf"}).content.decode()  # an unknown format shows the page

    assert "Nobody." in html
