"""Demo targets for this year, the sales manager's weekly report of sales against target shared with the sales
department, a rule watching the money collected, and the alerts the rules raise over the demo's history.

Called by gendan.demo.company.DemoBuilder once everything else is in, through the services, as people would.
"""

from django.utils import timezone

from gendan.accounts.models import Department
from gendan.analytics.alerts import alert_rule_create, alerts_evaluate
from gendan.analytics.services_reports import report_create
from gendan.analytics.services_targets import target_set, target_set_months

from .clock import at

# Monthly sales targets, a little above what each sold a month over the last half year.
REP_TARGETS = {"rep1": 90000, "rep2": 70000, "rep3": 60000}
TEAM_TARGETS = {"华东组": 160000, "华南组": 60000, "销售部": 220000}


def add_demo_analytics(builder) -> dict:
    admin, manager, boss = builder.users["admin"], builder.users["manager1"], builder.users["boss1"]
    year = timezone.localdate(builder.now).year
    for username, amount in REP_TARGETS.items():
        target_set_months(
            actor=admin,
            metric="sales",
            year=year,
            amounts=dict.fromkeys(range(1, 13), amount),
            owner=builder.users[username],
        )
    teams = {team.name: team for team in Department.objects.filter(name__in=TEAM_TARGETS)}
    for name, amount in TEAM_TARGETS.items():
        target_set_months(
            actor=admin, metric="sales", year=year, amounts=dict.fromkeys(range(1, 13), amount), team=teams[name]
        )
    target_set(actor=admin, metric="sales", period="year", year=year, amount=TEAM_TARGETS["销售部"] * 12)
    report_create(
        actor=manager,
        name="每周销售对目标",
        dimensions=["owner"],
        measures=["sales", "target:sales", "orders", "collected"],
        filters={"period": "last_week"},
        shared_with=teams["销售部"].pk,
        schedule="weekly",
    )
    report_create(
        actor=boss,
        name="今年各区域每月销售",
        dimensions=["month", "region"],
        measures=["sales", "gross_margin"],
        filters={"period": "this_year"},
    )
    # Finance's worry of the seeds (回款): a fall in the money collected, to the boss and the sales manager.
    alert_rule_create(
        actor=admin,
        name="回款环比下降超过 20%",
        kind="metric_drop",
        metric="collected",
        period="month",
        compare="previous",
        threshold_percent=20,
        minimum_base=10000,
        recipient_role="executive",
        recipient_users=[manager],
    )
    with at(builder.now):
        alerts = alerts_evaluate(now=builder.now)
    return {"targets": len(REP_TARGETS) + len(TEAM_TARGETS) + 1, "alerts": alerts}
