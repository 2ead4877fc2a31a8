"""Data scopes: who sees whose customers, orders, shipments, invoices and payments."""

import pytest

from gendan.accounts.models import Department
from gendan.accounts.roles import ROLE_SCOPES, DataScope, Role
from gendan.accounts.scoping import department_subtree_ids
from gendan.crm.models import Customer
from gendan.finance.models import Invoice, Payment
from gendan.fulfillment.models import Shipment
from gendan.sales.models import Order
from tests.factories import CustomerFactory
from tests.stages import order_at

pytestmark = pytest.mark.django_db

OWNERS = ["rep1", "rep2", "rep3", "manager1"]
# Whose records each persona sees, given one customer per owner above.
SEES = {
    "rep1": {"rep1"},
    "rep2": {"rep2"},
    "rep3": {"rep3"},
    "follower1": {"rep1", "rep2"},  # team East
    "manager1": {"rep1", "rep2", "rep3", "manager1"},  # the sales department and its teams
    "warehouse1": set(OWNERS),
    "logistics1": set(OWNERS),
    "finance1": set(OWNERS),
    "service1": set(OWNERS),
    "boss1": set(OWNERS),
    "admin": set(OWNERS),
}


def test_every_role_has_a_scope():
    assert set(ROLE_SCOPES) == set(Role)


@pytest.mark.parametrize("viewer", sorted(SEES))
def test_each_persona_sees_exactly_the_customers_of_its_scope(personas, viewer):
    for owner in OWNERS:
        CustomerFactory(owner=personas[owner], name=owner)

    visible = set(Customer.objects.visible_to(personas[viewer]).values_list("name", flat=True))

    assert visible == SEES[viewer]


def test_orders_and_the_documents_hanging_off_them_follow_the_orders_owner(personas):
    # given: a closed order of rep1's, with a shipment, an invoice and a payment
    order_at("closed", personas)

    # then
    for model in (Order, Shipment, Invoice, Payment):
        assert model.objects.visible_to(personas["rep1"]).count() == 1, model
        assert model.objects.visible_to(personas["follower1"]).count() == 1, model
        assert model.objects.visible_to(personas["rep2"]).count() == 0, model
        assert model.objects.visible_to(personas["rep3"]).count() == 0, model
        assert model.objects.visible_to(personas["finance1"]).count() == 1, model


def test_anonymous_and_inactive_users_see_nothing(personas):
    from django.contrib.auth.models import AnonymousUser

    CustomerFactory(owner=personas["rep1"])
    personas["admin"].is_active = False

    assert Customer.objects.visible_to(AnonymousUser()).count() == 0
    assert Customer.objects.visible_to(None).count() == 0
    assert Customer.objects.visible_to(personas["admin"]).count() == 0


def test_a_team_or_department_user_without_a_department_sees_only_his_own(personas):
    follower = personas["follower1"]
    follower.department = None
    CustomerFactory(owner=personas["rep1"])
    mine = CustomerFactory(owner=follower)

    assert list(Customer.objects.visible_to(follower)) == [mine]


def test_a_superuser_sees_everything_whatever_the_role(personas):
    rep = personas["rep3"]
    rep.is_superuser = True
    CustomerFactory(owner=personas["rep1"])

    assert rep.data_scope == DataScope.ALL
    assert Customer.objects.visible_to(rep).count() == 1


def test_the_department_subtree_goes_all_the_way_down(personas):
    sales = Department.objects.get(name="Sales", parent=None)
    east = Department.objects.get(name="East")
    squad = Department.objects.create(name="East-1", parent=east)
    deeper = Department.objects.create(name="East-1-a", parent=squad)

    assert sorted(department_subtree_ids(sales)) == sorted(
        [sales.pk, east.pk, Department.objects.get(name="North").pk, squad.pk, deeper.pk]
    )
    assert department_subtree_ids(deeper) == [deeper.pk]
