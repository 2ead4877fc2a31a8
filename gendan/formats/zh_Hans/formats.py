# Amounts in Chinese business software (invoices, 对账单, 金蝶 and 用友 alike) are written 1,724,000.00: Django's own
# zh_Hans formats leave the separator out, which makes a dashboard's 1724000.00 hard to read at a glance.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
