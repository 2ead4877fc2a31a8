"""Custom fields in a browser: an administrator adds a choice field to customers, a rep fills it on a new customer's
form (at phone width) and reads it on the customer's page."""

import pytest

from gendan.core.models import CustomField
from gendan.crm.models import Customer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_adds_a_choice_field_and_a_rep_fills_it(live_server, personas, new_page, shot):
    url = live_server.url

    # given: the administrator adds "客户等级" with three choices to customers
    admin = new_page(width=375, height=800)
    log_in(admin, url, "admin", "pw-admin")
    admin.goto(f"{url}/settings/custom-fields/")
    admin.click("[data-testid=new-custom-field]")
    admin.select_option("#id_record_type", "crm.customer")
    admin.fill("#id_key", "grade")
    admin.fill("#id_label", "客户等级")
    admin.select_option("#id_kind", "choice")
    admin.fill("#id_choices", "战略\n重点\n普通")
    admin.click("[data-testid=save-custom-field]")
    admin.wait_for_url(f"{url}/settings/custom-fields/")
    assert CustomField.objects.get().choices == ["战略", "重点", "普通"]
    assert "客户等级" in admin.locator("[data-testid=custom-field-history]").inner_text()
    shot(admin, "custom-field-added")

    # when: a rep enters a customer and picks a grade
    rep = new_page(width=375, height=800)
    log_in(rep, url, "rep1", "pw-rep1")
    rep.goto(f"{url}/customers/new/")
    rep.fill("#id_name", "苏州精工机械有限公司")
    rep.select_option("#id_cf_grade", "重点")
    shot(rep, "customer-form-with-custom-field")
    rep.click("[data-testid=customer-form] button[type=submit]")
    rep.wait_for_selector("[data-testid=custom-value]")

    # then: the customer holds it and its page shows it under its label
    assert Customer.objects.get().custom_fields == {"grade": "重点"}
    assert rep.locator("dt", has_text="客户等级").count() == 1
    assert rep.locator("[data-testid=custom-value]").inner_text() == "重点"
    shot(rep, "customer-page-with-custom-field")
