"""Who works at a warehouse: set in the admin through the service, on record, shown in the list."""

import pytest
from django.urls import reverse

from gendan.accounts.models import User
from gendan.core.errors import ApplicationError
from gendan.core.models import Event
from gendan.inventory.services import warehouse_staff_set
from tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(User.objects.create_superuser(username="root", password="pw-root"))
    return client


def test_staff_set_in_the_admin_are_recorded_and_listed(superuser_client, personas):
    # given
    warehouse = WarehouseFactory(code="SH", name="上海仓")
    clerk, driver = personas["warehouse1"], personas["logistics1"]
    # when
    response = superuser_client.post(
        reverse("admin:inventory_warehouse_change", args=[warehouse.pk]),
        {"code": "SH", "name": "上海仓", "address": "", "staff": [clerk.pk, driver.pk]},
    )
    # then
    assert response.status_code == 302
    assert set(warehouse.staff.all()) == {clerk, driver}
    event = Event.objects.get(verb="warehouse.staff_changed")
    assert (event.object_id, event.actor.username, event.changes) == (
        warehouse.pk,
        "root",
        {"staff": [[], sorted([clerk.pk, driver.pk])]},
    )
    listed = superuser_client.get(reverse("admin:inventory_warehouse_changelist")).content.decode()
    assert "warehouse1" in listed and "logistics1" in listed


def test_saving_the_same_staff_again_records_nothing(personas):
    warehouse = WarehouseFactory(code="SH")
    warehouse_staff_set(warehouse=warehouse, actor=personas["admin"], users=[personas["warehouse1"]])
    warehouse_staff_set(warehouse=warehouse, actor=personas["admin"], users=[personas["warehouse1"]])

    assert Event.objects.filter(verb="warehouse.staff_changed").count() == 1


def test_only_who_may_change_warehouses_sets_their_staff(personas):
    warehouse = WarehouseFactory(code="SH")

    with pytest.raises(ApplicationError):
        warehouse_staff_set(warehouse=warehouse, actor=personas["warehouse1"], users=[personas["warehouse1"]])

    assert not warehouse.staff.exists()
