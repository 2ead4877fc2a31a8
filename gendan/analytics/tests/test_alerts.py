"""Anomaly alerts: a metric's fall explained by who and what fell, a customer who stopped ordering, an unusual
quantity; each told once, in each recipient's own scope; rules refused on bad input with nothing written.

Two weeks of March 2026 (Monday 2 to Sunday 8, Monday 9 to Sunday 15), read on Wednesday 18 March:

                      2–8 March    9–15 March
  一号 (rep1, 华东)     15,000       11,000     P1   −4,000
  二号 (rep2, 华东)     10,000        9,000     P2   −1,000
  三号 (rep3, 华北)     10,000       10,000     P1
  华东                  25,000       20,000     −20 %
  company               35,000       30,000     −14.3 %
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from gendan.analytics.alert_findings import last_complete, rule_findings, rule_recipients
from gendan.analytics.alerts import alert_rule_create, alert_rule_delete, alert_rule_run, alert_rule_update
from gendan.analytics.drilldown import drill_url
from gendan.analytics.jobs import evaluate_alert_rules
from gendan.analytics.metrics import Period
from gendan.analytics.models import Alert, AlertKind, AlertRule
from gendan.automation.models import Notification, NotificationKind
from gendan.core.errors import ApplicationError
from gendan.core.models import Event
from gendan.sales.models import OrderStatus
from tests.api_client import api_as
from tests.factories import ProductFactory

from . import builders as b
from .builders import at, d

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = d("2026-03-18")
NOW = at(TODAY, 7, 30)
DROP = {
    "kind": AlertKind.METRIC_DROP,
    "metric": "sales",
    "period": "week",
    "compare": "previous",
    "threshold_percent": Decimal("10"),
    "minimum_base": Decimal("1000"),
}


@pytest.fixture
def march(personas):
    rep1, rep2, rep3 = personas["rep1"], personas["rep2"], personas["rep3"]
    p1 = ProductFactory(sku="P1", name="阀门")
    p2 = ProductFactory(sku="P2", name="管件")
    east1 = b.customer(rep1, region="华东", name="一号客户")
    east2 = b.customer(rep2, region="华东", name="二号客户")
    north = b.customer(rep3, region="华北", name="三号客户")
    b.order(rep1, east1, [(p1, 15, 1000)], confirmed=at(d("2026-03-02"), 0, 5))
    b.order(rep2, east2, [(p2, 10, 1000)], confirmed=at(d("2026-03-05")))
    b.order(rep3, north, [(p1, 10, 1000)], confirmed=at(d("2026-03-08"), 23, 55))
    b.order(rep1, east1, [(p1, 11, 1000)], confirmed=at(d("2026-03-10")))
    b.order(rep2, east2, [(p2, 9, 1000)], confirmed=at(d("2026-03-15"), 23, 50))
    b.order(rep3, north, [(p1, 10, 1000)], confirmed=at(d("2026-03-12")))
    # Outside both weeks: the Monday after, and a cancelled order inside.
    b.order(rep1, east1, [(p1, 50, 1000)], confirmed=at(d("2026-03-16"), 0, 1))
    b.order(rep1, east1, [(p1, 50, 1000)], confirmed=at(d("2026-03-11")), status=OrderStatus.CANCELLED)
    return SimpleNamespace(**personas, p1=p1, p2=p2, east1=east1, east2=east2, north=north)


def drop_rule(actor, **changes):
    return alert_rule_create(actor=actor, **{"name": "销售下滑", "recipient_users": [], **DROP, **changes})


# --- a metric's fall -----------------------------------------------------------------------------------------------


def test_the_last_complete_week_and_month():
    assert last_complete("week", TODAY) == Period(d("2026-03-09"), d("2026-03-15"))
    assert last_complete("week", d("2026-03-16")) == Period(d("2026-03-09"), d("2026-03-15"))
    assert last_complete("month", TODAY) == Period(d("2026-02-01"), d("2026-02-28"))


def test_a_20_percent_drop_in_one_region_raises_an_alert_naming_that_region_first(march):
    # given
    rule = drop_rule(march.admin, recipient_users=[march.boss1])

    # when
    raised = alert_rule_run(rule=rule, now=NOW)

    # then: the company's sales fell 35,000 → 30,000, all of it in 华东 (25,000 → 20,000, −20 %), 华北 flat
    assert [(alert.recipient, alert.period_start, alert.period_end) for alert in raised] == [
        (march.boss1, d("2026-03-09"), d("2026-03-15"))
    ]
    alert = raised[0]
    assert (alert.value, alert.compare_value, alert.change_percent) == (
        Decimal("30000.00"),
        Decimal("35000.00"),
        Decimal("-14.3"),
    )
    assert (alert.compare_start, alert.compare_end) == (d("2026-03-02"), d("2026-03-08"))
    assert alert.breakdown == {
        "region": [
            {
                "key": "华东",
                "label": "华东",
                "value": "20000.00",
                "compare_value": "25000.00",
                "change": "-5000.00",
                "share": "100.0",
            }
        ],
        "owner": [
            _row(march.rep1.pk, "rep1", "11000.00", "15000.00", "-4000.00", "80.0"),
            _row(march.rep2.pk, "rep2", "9000.00", "10000.00", "-1000.00", "20.0"),
        ],
        "product": [
            _row(march.p1.pk, "P1 阀门", "21000.00", "25000.00", "-4000.00", "80.0"),
            _row(march.p2.pk, "P2 管件", "9000.00", "10000.00", "-1000.00", "20.0"),
        ],
        "customer": [
            _row(march.east1.pk, "一号客户", "11000.00", "15000.00", "-4000.00", "80.0"),
            _row(march.east2.pk, "二号客户", "9000.00", "10000.00", "-1000.00", "20.0"),
        ],
    }
    notice = Notification.objects.get(recipient=march.boss1)
    assert notice.kind == NotificationKind.ANOMALY
    assert notice.title == "Sales down 14.3 % (03/09/2026 – 03/15/2026)"
    assert notice.body.splitlines() == [
        "30,000.00 against 35,000.00 in 03/02/2026 – 03/08/2026.",
        "Region: 华东 −5,000.00 (100.0 % of the fall)",
        "Owner: rep1 −4,000.00 (80.0 % of the fall)",
        "Product: P1 阀门 −4,000.00 (80.0 % of the fall)",
        "Customer: 一号客户 −4,000.00 (80.0 % of the fall)",
    ]
    assert notice.url == reverse("analytics:alert", args=[alert.pk])
    assert Event.objects.filter(verb="alert.raised", object_id=alert.pk).count() == 1


def _row(key, label, value, compare_value, change, share):
    return {
        "key": key,
        "label": label,
        "value": value,
        "compare_value": compare_value,
        "change": change,
        "share": share,
    }


def test_no_alert_for_a_fall_within_the_threshold_or_from_a_figure_below_the_minimum_base(march):
    within = drop_rule(march.admin, name="15 %", threshold_percent=Decimal("15"), recipient_users=[march.boss1])
    # rep2 fell exactly 10 %: not more than 10 %.
    exactly = drop_rule(march.admin, name="10 %", recipient_users=[march.rep2])
    small = drop_rule(march.admin, name="base", minimum_base=Decimal("35000.01"), recipient_users=[march.boss1])

    assert [alert_rule_run(rule=rule, now=NOW) for rule in (within, exactly, small)] == [[], [], []]
    assert not Notification.objects.exists()
    # The base met exactly is enough.
    assert (
        len(
            alert_rule_run(
                rule=drop_rule(march.admin, name="b2", minimum_base=Decimal("35000"), recipient_users=[march.boss1]),
                now=NOW,
            )
        )
        == 1
    )


def test_each_recipient_is_told_about_their_own_scope_each_owner_and_their_leader(march):
    # given: the owners of customers (rep1, rep2, rep3) and their leader (Mia leads the sales department)
    rule = drop_rule(march.admin, owners_and_leaders=True)
    assert rule_recipients(rule) == [march.rep1, march.rep2, march.rep3, march.manager1]

    # when
    raised = {alert.recipient.username: alert for alert in alert_rule_run(rule=rule, now=NOW)}

    # then: Alice's own 15,000 → 11,000; Bob's −10 % is not more than 10 %; Carol is flat; Mia sees the department
    assert sorted(raised) == ["manager1", "rep1"]
    alice = raised["rep1"]
    assert (alice.value, alice.compare_value, alice.change_percent) == (
        Decimal("11000.00"),
        Decimal("15000.00"),
        Decimal("-26.7"),
    )
    assert alice.breakdown["owner"] == [_row(march.rep1.pk, "rep1", "11000.00", "15000.00", "-4000.00", "100.0")]
    assert alice.breakdown["region"][0]["share"] == "100.0"
    assert (raised["manager1"].value, raised["manager1"].change_percent) == (Decimal("30000.00"), Decimal("-14.3"))


def test_a_second_run_raises_nothing_new(march):
    rule = drop_rule(march.admin, recipient_users=[march.boss1], recipient_role="executive")

    first = alert_rule_run(rule=rule, now=NOW)
    again = alert_rule_run(rule=rule, now=NOW + datetime.timedelta(hours=1))

    assert (len(first), again) == (1, [])
    assert Alert.objects.count() == Notification.objects.filter(kind=NotificationKind.ANOMALY).count() == 1


def test_the_daily_job_runs_active_rules_in_the_companys_seventh_hour_only(march):
    told = drop_rule(march.admin, recipient_users=[march.boss1])
    drop_rule(march.admin, name="off", recipient_users=[march.manager1], active=False)

    assert evaluate_alert_rules.call_local(now=at(TODAY, 6, 59)) == 0
    assert evaluate_alert_rules.call_local(now=at(TODAY, 7, 30)) == 1
    assert evaluate_alert_rules.call_local(now=at(TODAY, 7, 45)) == 0

    assert list(Alert.objects.filter(rule__name__in=["off", told.name]).values_list("rule", "recipient")) == [
        (told.pk, march.boss1.pk)
    ]


# --- customers who stop, unusual quantities ------------------------------------------------------------------------


def _orders(owner, buyer, product, days_and_quantities):
    for day, quantity in days_and_quantities:
        b.order(owner, buyer, [(product, quantity, 100)], confirmed=at(d(day)))


def test_a_customer_whose_orders_stop_for_longer_than_the_days_and_their_usual_gap(personas):
    rep1, rep3 = personas["rep1"], personas["rep3"]
    product = ProductFactory()
    every_ten_days = b.customer(rep1, name="每十天")
    monthly_recent = b.customer(rep1, name="每月")
    two_only = b.customer(rep1, name="两单")
    monthly_quiet = b.customer(rep1, name="月单停了")
    bimonthly = b.customer(rep1, name="两月一单")
    carols = b.customer(rep3, name="卡罗尔的")
    _orders(rep1, every_ten_days, product, [("2026-01-01", 1), ("2026-01-11", 1), ("2026-01-21", 1)])
    _orders(rep1, monthly_recent, product, [("2026-01-01", 1), ("2026-02-01", 1), ("2026-03-01", 1)])
    _orders(rep1, two_only, product, [("2026-01-01", 1), ("2026-01-05", 1)])
    _orders(rep1, monthly_quiet, product, [("2025-11-01", 1), ("2025-12-01", 1), ("2026-01-01", 1)])
    _orders(rep1, bimonthly, product, [("2025-09-01", 1), ("2025-11-01", 1), ("2026-01-01", 1)])
    _orders(rep3, carols, product, [("2026-01-01", 1), ("2026-01-11", 1), ("2026-01-21", 1)])
    rule = alert_rule_create(
        actor=personas["admin"],
        name="客户停单",
        kind=AlertKind.CUSTOMER_STOPPED,
        minimum_orders=3,
        stopped_days=30,
        interval_multiple=Decimal("2"),
        recipient_users=[rep1, personas["boss1"]],
    )

    raised = alert_rule_run(rule=rule, now=NOW)

    # Quiet 56 days, allowed max(30, 2 × 10); quiet 76 days, allowed max(30, 2 × 30.5). Every two months: 76 ≤ 122.
    found = sorted((a.recipient.username, a.customer.name, a.value, a.compare_value, a.period_start) for a in raised)
    assert found == [
        ("boss1", "卡罗尔的", Decimal("56"), Decimal("30.0"), d("2026-01-21")),
        ("boss1", "月单停了", Decimal("76"), Decimal("61.0"), d("2026-01-01")),
        ("boss1", "每十天", Decimal("56"), Decimal("30.0"), d("2026-01-21")),
        ("rep1", "月单停了", Decimal("76"), Decimal("61.0"), d("2026-01-01")),
        ("rep1", "每十天", Decimal("56"), Decimal("30.0"), d("2026-01-21")),
    ]
    alert = Alert.objects.get(recipient=rep1, customer=every_ten_days)
    notice = Notification.objects.get(recipient=rep1, object_id=alert.pk)
    assert (notice.title, notice.body) == (
        "每十天 has not ordered for 56 days",
        "Last order on 01/21/2026; 3 orders, usually 10.0 days apart.",
    )
    assert alert_rule_run(rule=rule, now=NOW + datetime.timedelta(days=1)) == []


def test_an_order_line_far_from_the_customers_usual_quantity(client, personas):
    rep1 = personas["rep1"]
    p1, p2 = ProductFactory(sku="P1", name="阀门"), ProductFactory(sku="P2", name="管件")
    regular, small, newcomer = (b.customer(rep1, name=name) for name in ("老客户", "小客户", "新客户"))
    # The last five before: median 10 (the sixth, 100, is older than the five it is taken over).
    _orders(
        rep1, regular, p1, [("2026-01-05", 100), *[(f"2026-02-0{i}", q) for i, q in enumerate([10, 12, 8, 11, 9], 1)]]
    )
    _orders(rep1, regular, p2, [("2026-02-01", 10), ("2026-02-02", 10), ("2026-02-03", 10)])
    _orders(rep1, small, p2, [("2026-02-01", 10), ("2026-02-02", 10), ("2026-02-03", 10)])
    _orders(rep1, newcomer, p1, [("2026-02-01", 1), ("2026-02-02", 1)])
    big = b.order(rep1, regular, [(p1, 50, 100), (p2, 4, 100)], confirmed=at(d("2026-03-17")))
    tiny = b.order(rep1, small, [(p2, 3, 100)], confirmed=at(d("2026-03-17"), 11))
    b.order(rep1, newcomer, [(p1, 90, 100)], confirmed=at(d("2026-03-17"), 12))
    rule = alert_rule_create(
        actor=personas["admin"],
        name="数量异常",
        kind=AlertKind.UNUSUAL_QUANTITY,
        quantity_multiple=Decimal("3"),
        history_orders=5,
        minimum_orders=3,
        owners_and_leaders=True,
    )

    raised = alert_rule_run(rule=rule, now=NOW)

    # 50 > 3 × 10 and 3 < 10 / 3 (4 is within); the newcomer's 2 past orders are too few to judge. Mia leads Alice.
    found = sorted(
        (a.recipient.username, a.order_id, a.product_id, a.value, a.compare_value, a.change_percent) for a in raised
    )
    assert found == [
        ("manager1", big.pk, p1.pk, Decimal("50"), Decimal("10"), Decimal("400.0")),
        ("manager1", tiny.pk, p2.pk, Decimal("3"), Decimal("10"), Decimal("-70.0")),
        ("rep1", big.pk, p1.pk, Decimal("50"), Decimal("10"), Decimal("400.0")),
        ("rep1", tiny.pk, p2.pk, Decimal("3"), Decimal("10"), Decimal("-70.0")),
    ]
    notice = Notification.objects.filter(recipient=rep1, title__startswith=big.number).get()
    assert notice.title == f"{big.number}: 50 of P1 阀门, usually 10"
    client.force_login(rep1)
    page = client.get(reverse("analytics:alerts")).content.decode()
    assert f"{big.number} for 老客户: 50 of P1 阀门, where they usually order 10." in page
    alert = Alert.objects.get(recipient=rep1, order=big)
    detail = client.get(reverse("analytics:alert", args=[alert.pk])).content.decode()
    assert reverse("sales:order_detail", args=[big.pk]) in detail
    # The scan moves on: the next run reads only orders confirmed after this one.
    rule.refresh_from_db()
    assert rule.scanned_until == NOW
    assert alert_rule_run(rule=rule, now=NOW + datetime.timedelta(days=1)) == []


# --- rules ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**DROP, "metric": ""}, "metric"),
        ({**DROP, "metric": "receivables"}, "metric"),
        ({**DROP, "threshold_percent": Decimal("0")}, "threshold_percent"),
        ({**DROP, "threshold_percent": Decimal("120")}, "threshold_percent"),
        ({**DROP, "period": "year"}, "period"),
        ({**DROP, "minimum_base": Decimal("-1")}, "minimum_base"),
        ({"kind": AlertKind.CUSTOMER_STOPPED, "minimum_orders": 1, "stopped_days": 30}, "minimum_orders"),
        ({"kind": AlertKind.CUSTOMER_STOPPED, "minimum_orders": 3}, "stopped_days"),
        (
            {"kind": AlertKind.UNUSUAL_QUANTITY, "quantity_multiple": 1, "history_orders": 5, "minimum_orders": 3},
            "quantity_multiple",
        ),
        (
            {"kind": AlertKind.UNUSUAL_QUANTITY, "quantity_multiple": 3, "history_orders": 2, "minimum_orders": 3},
            "minimum_orders",
        ),
        ({"kind": "weather"}, "kind"),
        ({**DROP, "name": "  "}, "name"),
        ({**DROP, "name": "已有"}, "name"),
        ({**DROP, "recipient_role": ""}, "recipient_users"),
    ],
)
def test_a_bad_rule_is_a_field_error_and_writes_nothing(personas, data, field):
    drop_rule(personas["admin"], name="已有", recipient_role="executive")
    rules, events = AlertRule.objects.count(), Event.objects.count()

    with pytest.raises(ValidationError) as refused:
        alert_rule_create(actor=personas["admin"], **{"name": "新规则", "recipient_role": "executive", **data})

    assert field in refused.value.message_dict
    assert (AlertRule.objects.count(), Event.objects.count()) == (rules, events)


def test_the_database_refuses_a_rule_without_its_kinds_settings(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertRule.objects.create(
            name="x", kind=AlertKind.METRIC_DROP, metric="sales", period="week", compare="previous"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AlertRule.objects.create(name="y", kind=AlertKind.CUSTOMER_STOPPED, minimum_orders=3)


def test_editing_a_rule_records_the_change_clears_other_kinds_settings_and_refuses_a_stale_version(personas):
    admin = personas["admin"]
    rule = drop_rule(admin, recipient_role="executive")

    edited = alert_rule_update(
        rule=rule, actor=admin, version=1, kind=AlertKind.CUSTOMER_STOPPED, minimum_orders=3, stopped_days=45
    )

    assert (edited.version, edited.metric, edited.threshold_percent, edited.stopped_days) == (2, "", None, 45)
    changes = Event.objects.get(verb="alert_rule.updated").changes
    assert changes["kind"] == ["metric_drop", "customer_stopped"]
    assert changes["metric"] == ["sales", ""]
    with pytest.raises(ApplicationError):
        alert_rule_update(rule=rule, actor=admin, version=1, active=False)


def test_a_rule_whose_only_person_has_left_can_be_switched_off_and_drops_them(personas):
    rule = drop_rule(personas["admin"], recipient_users=[personas["rep3"]])
    personas["rep3"].is_active = False
    personas["rep3"].save(update_fields=["is_active"])

    with pytest.raises(ValidationError) as refused:
        alert_rule_update(rule=rule, actor=personas["admin"], threshold_percent=Decimal("12"))
    off = alert_rule_update(rule=rule, actor=personas["admin"], active=False)

    assert list(refused.value.message_dict) == ["recipient_users"]
    assert (off.active, list(off.recipient_users.all())) == (False, [])
    assert Event.objects.filter(verb="alert_rule.updated").get().changes["recipient_users"] == [
        [personas["rep3"].pk],
        [],
    ]


def test_a_rule_that_raised_alerts_or_is_built_in_is_switched_off_not_deleted(march):
    fired = drop_rule(march.admin, recipient_users=[march.boss1])
    alert_rule_run(rule=fired, now=NOW)
    quiet = drop_rule(march.admin, name="quiet", recipient_users=[march.rep3])

    with pytest.raises(ApplicationError):
        alert_rule_delete(rule=fired, actor=march.admin)
    alert_rule_delete(rule=quiet, actor=march.admin)

    assert list(AlertRule.objects.filter(name__in=["quiet", fired.name])) == [fired]
    assert Event.objects.filter(verb="alert_rule.deleted").count() == 1


def test_only_those_who_manage_rules_may_set_them(personas):
    with pytest.raises(ApplicationError):
        drop_rule(personas["manager1"], recipient_role="executive")
    assert drop_rule(personas["boss1"], recipient_role="executive").pk


# --- pages ---------------------------------------------------------------------------------------------------------


def test_the_alerts_page_lists_the_readers_alerts_with_their_figures_in_a_fixed_number_of_queries(
    client, march, django_assert_num_queries
):
    rule = drop_rule(march.admin, recipient_users=[march.boss1, march.rep1])
    alert_rule_run(rule=rule, now=NOW)
    client.force_login(march.boss1)

    # the session, the reader, the count, the page of alerts with their rules, customers, orders and products; the
    # reader's permissions for the rules' link and the navigation
    with django_assert_num_queries(6):
        response = client.get(reverse("analytics:alerts"))
    alert_rule_run(rule=drop_rule(march.admin, name="再一条", recipient_users=[march.boss1]), now=NOW)
    with django_assert_num_queries(6):
        assert len(client.get(reverse("analytics:alerts")).context["page_obj"].object_list) == 2

    assert response.status_code == 200
    [alert] = response.context["page_obj"].object_list
    assert (alert.recipient, alert.rule) == (march.boss1, rule)
    assert "华东 −5,000.00 (100.0 % of the fall)" in response.content.decode()
    detail = client.get(reverse("analytics:alert", args=[alert.pk]))
    assert [view.group_by for view in detail.context["breakdowns"]] == ["region", "owner", "product", "customer"]
    region = detail.context["breakdowns"][0]
    # 华东's row opens the orders confirmed in the week in 华东 (the dashboard's drill-down).
    assert region.rows[0][1] == drill_url("sales", d("2026-03-09"), d("2026-03-15"), group_by="region", key="华东")
    assert region.rows[0][1].endswith("confirmed_from=2026-03-09&confirmed_to=2026-03-15&region=%E5%8D%8E%E4%B8%9C")
    others = Alert.objects.get(recipient=march.rep1)
    assert client.get(reverse("analytics:alert", args=[others.pk])).status_code == 404


def test_the_rules_pages_are_for_those_who_manage_rules(client, personas):
    client.force_login(personas["rep1"])
    assert client.get(reverse("analytics:alert_rules")).status_code == 403
    assert client.get(reverse("analytics:alert_rule_create")).status_code == 403
    client.force_login(personas["boss1"])
    assert client.get(reverse("analytics:alert_rules")).status_code == 200


def test_the_rule_form_shows_field_errors_and_saves_a_valid_rule(client, personas):
    client.force_login(personas["admin"])
    url = reverse("analytics:alert_rule_create")
    form = {"name": "周销售", "kind": "metric_drop", "active": "on", "metric": "sales", "period": "week"}

    refused = client.post(url, {**form, "compare": "previous", "threshold_percent": "0", "recipient_role": "executive"})
    saved = client.post(url, {**form, "compare": "previous", "threshold_percent": "15", "recipient_role": "executive"})

    assert refused.status_code == 400
    assert refused.context["form"].errors == {"threshold_percent": ["Enter a fall above 0 %."]}
    assert saved.status_code == 302
    rule = AlertRule.objects.get(name="周销售")
    assert (rule.threshold_percent, rule.recipient_role, rule.minimum_base) == (Decimal("15.0"), "executive", 0)
    assert Event.objects.filter(verb="alert_rule.created", object_id=rule.pk).count() == 1


def test_run_now_shows_what_would_fire_then_sends_what_is_new(client, march, monkeypatch):
    rule = drop_rule(march.admin, owners_and_leaders=True)
    monkeypatch.setattr("gendan.analytics.alert_findings.timezone.now", lambda: NOW)
    client.force_login(march.admin)
    url = reverse("analytics:alert_rule_run", args=[rule.pk])

    shown = client.get(url)
    sent = client.post(url)
    again = client.get(url)

    assert [(finding.recipient.username, was_sent) for finding, was_sent, _tops in shown.context["rows"]] == [
        ("rep1", False),
        ("manager1", False),
    ]
    assert sent.status_code == 302
    assert [was_sent for _finding, was_sent, _tops in again.context["rows"]] == [True, True]
    assert Alert.objects.filter(rule=rule).count() == 2


def test_a_rule_is_switched_off_and_on_from_the_list_and_edited_from_its_page(client, personas):
    rule = drop_rule(personas["admin"], recipient_role="executive")
    client.force_login(personas["boss1"])

    off = client.post(reverse("analytics:alert_rule_toggle", args=[rule.pk]), {"active": "0"})
    rule.refresh_from_db()
    edit = client.get(reverse("analytics:alert_rule_edit", args=[rule.pk]))

    assert (off.status_code, rule.active, rule.version) == (302, False, 2)
    assert Event.objects.get(verb="alert_rule.updated").changes == {"active": [True, False]}
    assert edit.status_code == 200
    assert (edit.context["form"]["metric"].value(), edit.context["form"]["version"].value()) == ("sales", 2)


def test_the_alerts_page_shows_the_breakdown_as_charts_from_json(client, march):
    rule = drop_rule(march.admin, recipient_users=[march.boss1])
    [alert] = alert_rule_run(rule=rule, now=NOW)
    client.force_login(march.boss1)

    response = client.get(reverse("analytics:alert", args=[alert.pk]))

    region = response.context["breakdowns"][0]
    assert region.chart["categories"] == ["华东"]
    assert [series["values"] for series in region.chart["series"]] == [["20000.00"], ["25000.00"]]
    assert f'id="{region.chart_key}" type="application/json"' in response.content.decode()
    assert b"<script>" not in response.content


def test_the_dashboard_links_to_the_alerts(client, personas):
    client.force_login(personas["rep1"])
    assert b'data-testid="alerts-link"' in client.get(reverse("analytics:dashboard")).content


# --- API -----------------------------------------------------------------------------------------------------------


def test_the_api_sets_rules_with_field_keyed_400s(personas):
    admin = api_as(personas["admin"])
    body = {"name": "月销售", "kind": "metric_drop", "metric": "sales", "period": "month", "compare": "last_year"}

    refused = admin.post(
        "/api/v1/alert-rules/", {**body, "threshold_percent": "-5", "recipient_role": "executive"}, format="json"
    )
    unknown = admin.post(
        "/api/v1/alert-rules/", {**body, "threshold_percent": "20", "recipient_users": [999999]}, format="json"
    )
    created = admin.post(
        "/api/v1/alert-rules/",
        {**body, "threshold_percent": "20", "recipient_users": [personas["boss1"].pk]},
        format="json",
    )
    patched = admin.patch(
        f"/api/v1/alert-rules/{created.json()['id']}/", {"active": False, "version": 1}, format="json"
    )

    assert refused.status_code == 400 and list(refused.json()) == ["threshold_percent"]
    assert unknown.status_code == 400 and list(unknown.json()) == ["recipient_users"]
    assert created.status_code == 201
    assert created.json()["recipient_users"] == [personas["boss1"].pk]
    assert created.json()["threshold_percent"] == "20.0"
    assert (patched.status_code, patched.json()["active"], patched.json()["version"]) == (200, False, 2)
    assert admin.delete(f"/api/v1/alert-rules/{created.json()['id']}/").status_code == 204
    assert api_as(personas["rep1"]).get("/api/v1/alert-rules/").status_code == 403
    assert api_as(personas["rep1"]).post("/api/v1/alert-rules/", body, format="json").status_code == 403


def test_the_api_lists_the_callers_alerts_only_in_a_fixed_number_of_queries(march, django_assert_num_queries):
    rule = drop_rule(march.admin, owners_and_leaders=True, recipient_users=[march.boss1])
    alert_rule_run(rule=rule, now=NOW)
    client = api_as(march.rep1)

    # the token, the count, the page of alerts with their rules
    with django_assert_num_queries(3):
        body = client.get("/api/v1/alerts/").json()

    [alert] = body["results"]
    assert (alert["rule_name"], alert["kind"], alert["value"], alert["compare_value"], alert["change_percent"]) == (
        "销售下滑",
        "metric_drop",
        "11000.00",
        "15000.00",
        "-26.7",
    )
    assert alert["breakdown"]["customer"][0]["label"] == "一号客户"
    boss_alert = Alert.objects.get(recipient=march.boss1)
    assert client.get(f"/api/v1/alerts/{boss_alert.pk}/").status_code == 404


def test_the_shipped_rule_tells_executives_of_a_monthly_sales_fall(db):
    shipped = AlertRule.objects.get(system_key="sales_drop")

    assert (shipped.kind, shipped.metric, shipped.period, shipped.compare, shipped.threshold_percent) == (
        "metric_drop",
        "sales",
        "month",
        "previous",
        Decimal("15.0"),
    )
    assert (shipped.active, shipped.recipient_role, shipped.minimum_base) == (True, "executive", Decimal("10000.00"))


def test_findings_are_read_without_writing(march):
    rule = drop_rule(march.admin, recipient_users=[march.boss1])
    events = Event.objects.count()

    assert [finding.recipient for finding in rule_findings(rule, now=NOW)] == [march.boss1]
    assert (Alert.objects.count(), Event.objects.count()) == (0, events)
