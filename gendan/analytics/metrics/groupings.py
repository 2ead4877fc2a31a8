"""What a metric's rows can be grouped by, and what each row is called."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from gendan.accounts.models import Department
from gendan.catalog.models import Product
from gendan.crm.models import Customer

from .periods import TIME_GROUPINGS, bucket_label

OWNER, TEAM, REGION, PRODUCT, CUSTOMER = "owner", "team", "region", "product", "customer"
# In the order a picker offers them.
GROUP_BYS = (*TIME_GROUPINGS, OWNER, TEAM, REGION, PRODUCT, CUSTOMER)


def row_labels(group_by: str, keys) -> dict:
    """{key: label} for the rows' keys: one query for the records they name (none for days and regions)."""
    keys = set(keys)
    if group_by in TIME_GROUPINGS:
        return {key: bucket_label(key, group_by) for key in keys}
    if group_by == REGION:
        return {key: key or _("No region") for key in keys}
    ids = [key for key in keys if key is not None]
    if group_by == OWNER:
        people = get_user_model().objects.filter(pk__in=ids).only("username", "first_name", "last_name")
        found = {person.pk: str(person) for person in people}
    elif group_by == TEAM:
        found = dict(Department.objects.filter(pk__in=ids).values_list("pk", "name"))
        found[None] = _("No team")
    elif group_by == CUSTOMER:
        found = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name"))
    else:
        found = {
            pk: f"{sku} {name}" for pk, sku, name in Product.objects.filter(pk__in=ids).values_list("pk", "sku", "name")
        }
    return {key: found.get(key, "") for key in keys}
