"""The demo company's order changes: issue 11's "done when", on the demo data."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from gendan.accounts.models import User
from gendan.demo.company import PASSWORD_ENV
from gendan.inventory.models import StockLevel
from gendan.sales.models import ApprovalRequest, ChangeRequest, ChangeStatus
from gendan.sales.selectors_worklists import approval_inbox

pytestmark = pytest.mark.django_db


def test_a_raised_quantity_and_moved_date_pass_leader_then_head_and_the_revisions_compare(
    tmp_path, settings, monkeypatch, client
):
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv(PASSWORD_ENV, raising=False)

    call_command("load_demo_data", "--history-months=0", stdout=None)

    applied = ChangeRequest.objects.select_related("order").get(status=ChangeStatus.APPLIED)
    order = applied.order
    assert (order.owner.username, order.revision, applied.revision) == ("rep2", 2, 2)
    approval = ApprovalRequest.objects.get(change_request=applied)
    deciders = [(step.level, step.decided_by.username) for step in approval.steps.exclude(decision="")]
    assert deciders == [(1, "manager1"), (2, "boss1")]
    assert [r["code"] for r in approval.reasons] == ["quantity_raised", "date_moved"]
    # The warehouse holds the new quantity: every line's reservation is its open quantity.
    for line in order.lines.all():
        assert line.reserved_quantity == line.quantity - line.shipped_quantity
    assert StockLevel.objects.filter(reserved__gt=0).exists()

    waiting = ChangeRequest.objects.get(status=ChangeStatus.PENDING_APPROVAL)
    manager = User.objects.get(username="manager1")
    # In the team leader's inbox, beside the orders waiting for him.
    assert [a.change_request_id for a in approval_inbox(user=manager) if a.change_request_id] == [waiting.pk]

    # Anyone who may see the order compares revision 1 with revision 2: the warehouse too.
    client.force_login(User.objects.get(username="warehouse1"))
    page = client.get(reverse("sales:order_revisions_compare", args=[order.pk]) + "?a=1&b=2")
    assert page.status_code == 200
    assert page.context["comparison"].changed_header
