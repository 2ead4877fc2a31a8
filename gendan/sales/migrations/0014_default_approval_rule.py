"""The fixed floor-price and discount check becomes the shipped default rule; approvals already waiting get its level.

A company that changes nothing approves exactly as before: one level, decided by any one of
whoever may approve (sales managers, executives, administrators), never the submitter.
"""

from django.db import migrations
from django.db.models import Q

from gendan.sales.approval_rules import install_shipped_rules

# The roles holding sales.approve_order when this migration was written (accounts.roles).
APPROVING_ROLES = ["sales_manager", "executive", "admin"]


def forwards(apps, schema_editor):
    ApprovalRule = apps.get_model("sales", "ApprovalRule")
    ApprovalRequest = apps.get_model("sales", "ApprovalRequest")
    ApprovalStep = apps.get_model("sales", "ApprovalStep")
    User = apps.get_model("accounts", "User")
    (rule,) = install_shipped_rules(ApprovalRule, keys=["price_and_discount"])
    approvers = list(
        User.objects.filter(Q(role__in=APPROVING_ROLES) | Q(is_superuser=True), is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for request in ApprovalRequest.objects.filter(status="pending"):
        request.levels = [{"rule": rule.name, **level} for level in rule.levels]
        request.level = 1
        request.save(update_fields=["levels", "level"])
        ApprovalStep.objects.bulk_create(
            ApprovalStep(request=request, level=1, approver_id=pk) for pk in approvers if pk != request.requested_by_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0013_approval_rules_and_levels"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
