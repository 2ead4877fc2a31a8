"""The demo company's past: a year and a half of orders before the two months replayed step by step.

Without it every dashboard's trend is flat but for its last two months, and "against the year before" compares
with nothing. Each historical order goes the whole road (confirmed, shipped, delivered, invoiced, paid) through the
same services, on its own days, so the event log, stock ledger and numbers are the real thing. Volumes grow a few
percent a month, dip at the Spring Festival and rise before the year's end, as an industrial distributor's do;
shipping and paying times vary, so on-time delivery and days to cash are not constants.

It draws from its own random generator: the recent two months stay exactly as they were.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

# The first month of history, counted back from this month: trends against the year before show for six months.
MONTHS = 18
# Orders a month at the start; they grow by GROWTH a month.
START_VOLUME = 10
GROWTH = Decimal("0.03")
# The season of a distributor of factory parts: the Spring Festival empties February, budgets fill the year's end.
SEASON = {1: 0.9, 2: 0.45, 3: 1.15, 4: 1.0, 5: 1.0, 6: 1.05, 7: 0.9, 8: 0.9, 9: 1.1, 10: 0.85, 11: 1.15, 12: 1.25}
QUANTITIES = [2, 5, 10, 12, 20, 30]
# An order's gross amount at most (13 % VAT, the highest rate) and the share of a credit limit it may take alone.
TAX_AT_MOST = Decimal("1.13")
CREDIT_SHARE = Decimal("0.8")


def history_start(now: datetime.datetime, months: int, until: datetime.datetime) -> datetime.datetime:
    """The moment the history opens: the first of the month `months` months ago, on the company's calendar, and
    a dozen days before `until` at the latest."""
    first = _month_start(timezone.localdate(now), months)
    opened = timezone.make_aware(datetime.datetime.combine(first, datetime.time(8, 0)))
    return min(opened, until - datetime.timedelta(days=12))


def plan_history(builder, plan_class, months: int, until: datetime.datetime) -> list:
    """The historical orders of the last `months` months, each a closed plan with its steps' moments, entered
    before `until`."""
    rng = random.Random(builder.rng_seed + 1)
    today = timezone.localdate(builder.now)
    plans = []
    # A customer's next order waits until the last is paid, and none exceeds its credit limit alone: the credit
    # check at confirmation would refuse it (as it should).
    paid_until = {}
    for months_ago in range(months, 0, -1):
        first = _month_start(today, months_ago)
        following = _month_start(today, months_ago - 1)
        growth = (1 + GROWTH) ** (months - months_ago)
        volume = round(START_VOLUME * float(growth) * SEASON[first.month])
        days = (following - first).days
        for _ in range(volume):
            day = first + datetime.timedelta(days=rng.randrange(days))
            start = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(rng.randint(9, 16), rng.randint(0, 59)))
            )
            if start >= until:
                continue
            lines = _lines(rng, builder.products)
            customers = [
                index
                for index, customer in enumerate(builder.customers)
                # Customers entered later have no history before their first day.
                if customer.created_at < start
                and paid_until.get(index, start) <= start
                and _gross(lines) <= customer.credit_limit * CREDIT_SHARE
            ]
            if not customers:
                continue
            plan = plan_class("closed", rng.choice(customers), lines, needs_approval=False)
            plan.steps = _steps(rng, start, until)
            paid_until[plan.customer_index] = plan.steps[-1][0]
            plans.append(plan)
    return plans


def _gross(lines) -> Decimal:
    net = sum(
        line["quantity"] * line["product"].list_price * (100 - line.get("discount_percent", 0)) / 100 for line in lines
    )
    return net * TAX_AT_MOST


def _month_start(today: datetime.date, months_ago: int) -> datetime.date:
    month = today.year * 12 + today.month - 1 - months_ago
    return datetime.date(month // 12, month % 12 + 1, 1)


def _lines(rng, products) -> list[dict]:
    lines = []
    for product in rng.sample(products, rng.randint(1, 3)):
        quantity = rng.randint(1, 4) if product.list_price > 1000 else rng.choice(QUANTITIES)
        line = {"product": product, "quantity": Decimal(quantity)}
        if rng.random() < 0.3:
            line["discount_percent"] = Decimal(rng.choice([3, 5, 8]))
        lines.append(line)
    return lines


def _steps(rng, start: datetime.datetime, until: datetime.datetime) -> list:
    """Entered, confirmed within the hour, shipped after 1 to 20 days (the customer asked for 7 to 21), delivered,
    invoiced, and paid 10 to 60 days after the invoice. All of it before `until`, when the recent two months begin:
    their orders then meet no open history in the credit checks."""
    room = (until - start).days - 8
    shipped = start + datetime.timedelta(days=max(1, min(rng.randint(1, 20), room)), hours=rng.randint(0, 5))
    delivered = shipped + datetime.timedelta(days=rng.randint(1, 4))
    invoiced = delivered + datetime.timedelta(days=1)
    paid = max(
        min(invoiced + datetime.timedelta(days=rng.randint(10, 60)), until - datetime.timedelta(hours=1)),
        invoiced + datetime.timedelta(hours=1),
    )
    return [
        (start, "create"),
        (start + datetime.timedelta(hours=1), "submit"),
        (shipped, "ship"),
        (delivered, "deliver"),
        (invoiced, "invoice"),
        (paid, "pay"),
    ]
