"""Saved views of the order list: its filters, sort and columns under a name, for oneself or one's team.

Alice (rep1), Bob (rep2) and the follower sit in East team; Carol (rep3) in North; Mia (manager1) in
the sales department above both. A shared view shows to the owner's own team only.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from gendan.accounts.models import SavedView
from gendan.accounts.saved_views import link
from gendan.accounts.selectors import saved_views_of
from gendan.accounts.services_saved_views import saved_view_create, saved_view_delete, saved_view_update
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.sales.models import OrderStatus
from gendan.sales.services import order_submit
from gendan.sales.tables import OrderTable
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products

pytestmark = pytest.mark.django_db


def a_view(owner, name="Open orders", **fields):
    fields.setdefault("query", "status=confirmed&sort=-total")
    return saved_view_create(actor=owner, list_name="orders", name=name, **fields)


def shown_columns(response) -> list[str]:
    return [column.name for column in response.context["table"].columns]


# --- the service ---------------------------------------------------------------------------------


def test_a_view_keeps_the_lists_filters_sort_and_columns_as_the_list_reads_them(personas):
    # given: a query as a page sends it, with empty fields, the page number and a selection in it
    alice = personas["rep1"]

    # when
    view = a_view(
        alice,
        query="?sort=-total&q=&status=confirmed&status=draft&page=3&id=7&customer=",
        columns=["total", "status"],
    )

    # then
    view.refresh_from_db()
    assert (view.owner, view.list_name, view.name, view.shared) == (alice, "orders", "Open orders", False)
    assert view.query == "sort=-total&status=confirmed&status=draft"
    assert view.columns == ["status", "total"]  # in the table's order
    event = Event.objects.get(verb="saved_view.created")
    assert (event.actor, event.object_id, event.root_id) == (alice, view.pk, alice.pk)


def test_a_view_without_columns_shows_the_lists_usual_ones(personas):
    view = a_view(personas["rep1"])

    assert view.columns == OrderTable.default_columns()
    assert "requested_date" not in view.columns and "status" in view.columns


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"query": "colour=red"}, "query"),
        ({"query": "status=lost"}, "query"),
        ({"query": "customer=abc"}, "query"),
        ({"query": "sort=-password"}, "query"),
        ({"query": "created_from=0001-01-01"}, "query"),
        ({"query": 5}, "query"),
        ({"columns": ["status", "cost"]}, "columns"),
        ({"columns": "status"}, "columns"),
        ({"list_name": "salaries"}, "list"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(personas, fields, field):
    alice = personas["rep1"]
    arguments = {"actor": alice, "list_name": "orders", "name": "Mine", "query": "", **fields}

    with pytest.raises(ValidationError) as refused:
        saved_view_create(**arguments)

    assert list(refused.value.message_dict) == [field]
    assert not SavedView.objects.exists() and not Event.objects.filter(verb__startswith="saved_view").exists()


def test_every_problem_is_told_at_once(personas):
    with pytest.raises(ValidationError) as refused:
        saved_view_create(
            actor=personas["rep1"], list_name="orders", name="", query="colour=red", columns=["cost"], shared=False
        )

    assert sorted(refused.value.message_dict) == ["columns", "name", "query"]


def test_a_name_is_taken_once_per_person_and_list_whatever_its_case(personas, english):
    a_view(personas["rep1"], name="Big orders")

    with pytest.raises(ValidationError) as refused:
        a_view(personas["rep1"], name="big ORDERS")
    bobs = a_view(personas["rep2"], name="Big orders")

    assert refused.value.message_dict == {"name": ["You already have a view of this list named “big ORDERS”."]}
    assert bobs.owner == personas["rep2"]


def test_someone_in_no_team_has_nobody_to_share_with(personas):
    with pytest.raises(ValidationError) as refused:
        a_view(personas["admin"], shared=True)

    assert list(refused.value.message_dict) == ["shared"]


def test_a_shared_view_shows_to_the_owners_team_and_no_one_else(personas):
    # given
    shared = a_view(personas["rep1"], name="Team's open orders", shared=True)
    personal = a_view(personas["rep1"], name="Mine only")

    # when
    seen = {name: set(saved_views_of(user=person, list_name="orders")) for name, person in personas.items()}

    # then: the East team (Bob, the follower) sees the shared one; Carol's team and the manager above do not
    assert seen["rep1"] == {shared, personal}
    assert seen["rep2"] == seen["follower1"] == {shared}
    assert seen["rep3"] == seen["manager1"] == seen["admin"] == seen["warehouse1"] == set()


def test_only_the_owner_changes_or_deletes_a_view(personas):
    view = a_view(personas["rep1"], shared=True)
    bob = personas["rep2"]

    with pytest.raises(ApplicationError) as update:
        saved_view_update(view=view, actor=bob, name="Bob's now")
    with pytest.raises(ApplicationError) as delete:
        saved_view_delete(view=view, actor=bob)

    assert update.value.code == delete.value.code == ErrorCode.PERMISSION_DENIED
    view.refresh_from_db()
    assert view.name == "Open orders"


def test_the_owner_renames_shares_and_deletes_a_view_each_on_the_record(personas):
    alice = personas["rep1"]
    view = a_view(alice)

    saved_view_update(view=view, actor=alice, name="Confirmed", shared=True, columns=["total"])
    saved_view_update(view=view, actor=alice, name="Confirmed")  # no change, no event
    view.refresh_from_db()
    saved_view_delete(view=view, actor=alice)

    assert (view.name, view.shared, view.columns) == ("Confirmed", True, ["total"])
    assert not SavedView.objects.exists()
    updated = Event.objects.get(verb="saved_view.updated")
    assert updated.changes["name"] == ["Open orders", "Confirmed"]
    assert updated.changes["shared"] == [False, True]
    assert Event.objects.filter(verb="saved_view.deleted", object_id=view.pk).count() == 1


def test_renaming_onto_another_of_ones_views_is_refused(personas):
    alice = personas["rep1"]
    a_view(alice, name="A")
    second = a_view(alice, name="B")

    with pytest.raises(ValidationError) as refused:
        saved_view_update(view=second, actor=alice, name="a")

    assert list(refused.value.message_dict) == ["name"]


# --- the order list --------------------------------------------------------------------------------


@pytest.fixture
def orders(personas):
    """Two of Alice's orders: one confirmed (total 100), one draft."""
    _warehouse, products = stocked_products(1)
    confirmed = order_submit(order=draft_order(personas["rep1"], products), actor=personas["rep1"])
    draft = draft_order(personas["rep1"], products)
    return confirmed, draft


def test_the_list_offers_ones_views_and_the_teams_shared_ones(client, personas, orders, english):
    a_view(personas["rep1"], name="Alice shared", shared=True)
    a_view(personas["rep1"], name="Alice own")
    a_view(personas["rep2"], name="Bob own")
    client.force_login(personas["rep2"])

    response = client.get(reverse("sales:order_list"))

    menu = response.context["saved_views"]
    assert [view.name for view in menu["mine"]] == ["Bob own"]
    assert [view.name for view in menu["team"]] == ["Alice shared"]
    html = response.content.decode()
    assert "Alice shared" in html and "Alice own" not in html


def test_opening_a_view_applies_its_filters_sort_and_columns(client, personas, orders):
    confirmed, _draft = orders
    alice = personas["rep1"]
    view = a_view(alice, query="status=confirmed", columns=["owner", "total"])
    client.force_login(alice)

    response = client.get(link(view))

    assert [order.pk for order in response.context["page_obj"]] == [confirmed.pk]
    assert shown_columns(response) == ["select", "number", "customer", "owner", "total"]
    menu = response.context["saved_views"]
    assert menu["active"] == view and not menu["modified"]


def test_changing_the_filters_of_an_open_view_offers_to_keep_them_in_it(client, personas, orders):
    alice = personas["rep1"]
    view = a_view(alice, query="status=confirmed", columns=["owner", "total"])
    client.force_login(alice)

    response = client.get(reverse("sales:order_list"), {"status": "draft", "columns": "owner,total", "view": view.pk})
    client.post(
        reverse("saved_view_update", args=[view.pk]),
        {"query": response.context["saved_views"]["query"], "columns": "owner,total"},
    )

    assert response.context["saved_views"]["modified"]
    assert 'data-testid="update-saved-view"' in response.content.decode()
    view.refresh_from_db()
    assert view.query == "status=draft"


def test_the_column_chooser_shows_what_is_ticked_and_the_usual_columns_otherwise(client, personas, orders):
    client.force_login(personas["rep1"])
    url = reverse("sales:order_list")

    usual = client.get(url)
    chosen = client.get(url, {"columns": ["", "customer_reference", "status"]})
    none = client.get(url, {"columns": ""})

    assert shown_columns(usual) == ["select", "number", "customer", *OrderTable.default_columns()]
    assert shown_columns(chosen) == ["select", "number", "customer", "status", "customer_reference"]
    assert shown_columns(none) == ["select", "number", "customer"]
    assert 'data-testid="column-chooser-form"' in usual.content.decode()


def test_a_column_kept_for_wide_screens_shows_from_a_tablet_up_once_ticked(client, personas, orders):
    client.force_login(personas["rep1"])

    usual = client.get(reverse("sales:order_list"))
    chosen = client.get(reverse("sales:order_list"), {"columns": "priority"})

    assert "d-xxl-table-cell" in usual.context["table"].columns["priority"].attrs["th"]["class"]
    assert "d-md-table-cell" in chosen.context["table"].columns["priority"].attrs["th"]["class"]


def test_saving_the_list_as_it_is_keeps_it_and_opens_it(client, personas, orders):
    alice = personas["rep1"]
    client.force_login(alice)

    response = client.post(
        reverse("saved_view_create"),
        {"list": "orders", "name": "Drafts", "query": "status=draft", "columns": "owner", "shared": "1"},
    )

    view = SavedView.objects.get()
    assert (view.name, view.query, view.columns, view.shared) == ("Drafts", "status=draft", ["owner"], True)
    assert response.status_code == 302 and response.url == link(view)


def test_a_refused_save_shows_the_message_on_its_field(client, personas, orders, english):
    a_view(personas["rep1"], name="Drafts")
    client.force_login(personas["rep1"])
    data = {"list": "orders", "name": "drafts", "query": "status=draft", "columns": ""}

    page = client.post(reverse("saved_view_create"), data)
    fragment = client.post(reverse("saved_view_create"), data, HTTP_HX_REQUEST="true")

    assert page.status_code == 400
    assert "You already have a view of this list named “drafts”." in page.content.decode()
    assert fragment.status_code == 200 and 'data-testid="name-error"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert SavedView.objects.count() == 1


def test_a_saved_view_is_deleted_from_the_menu_by_its_owner_only(client, personas, orders):
    view = a_view(personas["rep1"], shared=True)

    client.force_login(personas["rep2"])
    by_bob = client.post(reverse("saved_view_delete", args=[view.pk]))
    client.force_login(personas["rep3"])
    by_carol = client.post(reverse("saved_view_delete", args=[view.pk]))
    client.force_login(personas["rep1"])
    by_alice = client.post(reverse("saved_view_delete", args=[view.pk]))

    assert by_bob.status_code == 302 and by_carol.status_code == 404
    assert by_alice.status_code == 302 and by_alice.url == reverse("sales:order_list")
    assert not SavedView.objects.exists()
    assert Event.objects.filter(verb="saved_view.deleted").count() == 1


def test_the_list_page_reads_its_views_in_one_query_however_many(
    client, personas, orders, django_assert_max_num_queries
):
    client.force_login(personas["rep2"])
    url = reverse("sales:order_list")
    a_view(personas["rep1"], name="one", shared=True)
    client.get(url)  # the session and content types warmed up
    with django_assert_max_num_queries(30) as few:
        client.get(url)

    for number in range(10):
        a_view(personas["rep1"], name=f"shared {number}", shared=True)
        a_view(personas["rep2"], name=f"own {number}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)

    assert len(response.context["saved_views"]["team"]) == 11


# --- the API -------------------------------------------------------------------------------------------


def test_the_api_lists_ones_views_and_the_teams_and_makes_changes_and_deletes_them(personas):
    bob = api_as(personas["rep2"])
    shared = a_view(personas["rep1"], name="Alice shared", shared=True)
    a_view(personas["rep1"], name="Alice own")

    created = bob.post(
        "/api/v1/saved-views/",
        {"name": "Bob's", "list": "orders", "query": "status=draft", "columns": ["total"]},
        format="json",
    )
    listed = bob.get("/api/v1/saved-views/", {"list": "orders"})
    changed = bob.patch(f"/api/v1/saved-views/{created.json()['id']}/", {"shared": True}, format="json")
    deleted = bob.delete(f"/api/v1/saved-views/{created.json()['id']}/")

    assert created.status_code == 201
    assert {key: created.json()[key] for key in ("name", "list", "query", "columns", "shared", "mine")} == {
        "name": "Bob's",
        "list": "orders",
        "query": "status=draft",
        "columns": ["total"],
        "shared": False,
        "mine": True,
    }
    assert [(row["name"], row["mine"]) for row in listed.json()["results"]] == [
        ("Alice shared", False),
        ("Bob's", True),
    ]
    assert listed.json()["results"][0]["id"] == shared.pk
    assert (changed.status_code, changed.json()["shared"]) == (200, True)
    assert deleted.status_code == 204


def test_the_api_refuses_bad_input_by_field_and_others_views(personas):
    alice_shared = a_view(personas["rep1"], name="Alice shared", shared=True)
    alice_own = a_view(personas["rep1"], name="Alice own")
    bob = api_as(personas["rep2"])

    bad = bob.post(
        "/api/v1/saved-views/",
        {"name": "", "list": "orders", "query": "status=lost", "columns": ["cost"]},
        format="json",
    )
    unknown_list = bob.post("/api/v1/saved-views/", {"name": "x", "list": "salaries"}, format="json")
    teammates = bob.patch(f"/api/v1/saved-views/{alice_shared.pk}/", {"name": "Mine now"}, format="json")
    teammates_delete = bob.delete(f"/api/v1/saved-views/{alice_shared.pk}/")
    hidden = bob.get(f"/api/v1/saved-views/{alice_own.pk}/")

    assert bad.status_code == 400 and sorted(bad.json()) == ["columns", "name", "query"]
    assert unknown_list.status_code == 400 and list(unknown_list.json()) == ["list"]
    assert teammates.status_code == teammates_delete.status_code == 403
    assert teammates.json()["code"] == "permission_denied"
    assert hidden.status_code == 404
    assert SavedView.objects.count() == 2


def test_the_api_list_takes_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    client = api_as(personas["rep2"])
    a_view(personas["rep1"], name="one", shared=True)
    with django_assert_max_num_queries(10) as few:
        client.get("/api/v1/saved-views/")
    for number in range(10):
        a_view(personas["rep1"], name=f"shared {number}", shared=True)

    with django_assert_max_num_queries(len(few)):
        response = client.get("/api/v1/saved-views/")

    assert response.json()["count"] == 11


def test_a_confirmed_status_filter_saved_by_the_api_opens_on_the_page(client, personas, orders):
    confirmed, _draft = orders
    created = api_as(personas["rep1"]).post(
        "/api/v1/saved-views/", {"name": "Confirmed", "list": "orders", "query": "status=confirmed"}, format="json"
    )
    client.force_login(personas["rep1"])

    response = client.get(link(SavedView.objects.get(pk=created.json()["id"])))

    assert [order.status for order in response.context["page_obj"]] == [OrderStatus.CONFIRMED]
