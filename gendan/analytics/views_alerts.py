"""The reader's alerts (/dashboard/alerts/), one alert with its breakdown, and the rules for those who set them.

The figures shown are those the alert stored when it was raised (the metric module's, in the recipient's scope);
this module only lays them out and links each row of a breakdown to the list of its records.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import run_service
from gendan.core.lists import paginate

from .alert_findings import BREAKDOWN, rule_findings
from .alerts import (
    MANAGE_RULES,
    alert_rule_create,
    alert_rule_run,
    alert_rule_update,
    contributor_text,
)
from .drilldown import drill_url
from .forms_alerts import AlertRuleForm
from .metrics import COUNT, get_metric
from .metrics.groupings import CUSTOMER, OWNER, PRODUCT, REGION
from .models import Alert, AlertKind, AlertRule
from .selectors_alerts import alerts_of

ALERTS_PER_PAGE = 20


def grouping_label(group_by: str) -> str:
    return {REGION: _("Region"), OWNER: _("Owner"), PRODUCT: _("Product"), CUSTOMER: _("Customer")}[group_by]


@dataclass(frozen=True)
class BreakdownView:
    group_by: str
    label: str
    rows: list  # [(row, its list's URL or None, its text)]
    chart_key: str
    chart: dict


def _unit(alert: Alert) -> str:
    return get_metric(alert.rule.metric).unit if alert.rule.kind == AlertKind.METRIC_DROP else COUNT


def breakdowns(alert: Alert) -> list[BreakdownView]:
    """The stored breakdown of a metric's fall, each grouping with its rows' lists and a bar chart of both periods."""
    if alert.rule.kind != AlertKind.METRIC_DROP:
        return []
    metric, unit = alert.rule.metric, _unit(alert)
    found = []
    # In BREAKDOWN's order: PostgreSQL's jsonb keeps no order of keys.
    for group_by in BREAKDOWN:
        rows = alert.breakdown.get(group_by)
        if not rows:
            continue
        urls = [
            drill_url(metric, alert.period_start, alert.period_end, group_by=group_by, key=row["key"]) for row in rows
        ]
        compared_urls = [
            drill_url(metric, alert.compare_start, alert.compare_end, group_by=group_by, key=row["key"]) for row in rows
        ]
        chart = {
            "kind": "bar",
            "unit": unit,
            "horizontal": True,
            "categories": [row["label"] or _("None") for row in rows],
            "series": [
                {"name": _("This period"), "values": [row["value"] for row in rows], "urls": urls},
                {
                    "name": _("Compared period"),
                    "values": [row["compare_value"] for row in rows],
                    "urls": compared_urls,
                },
            ],
        }
        found.append(
            BreakdownView(
                group_by,
                grouping_label(group_by),
                [(row, url, contributor_text(row)) for row, url in zip(rows, urls, strict=True)],
                f"alert-{alert.pk}-{group_by}",
                chart,
            )
        )
    return found


@login_required
@require_GET
def alert_list_view(request):
    page_obj = paginate(request, alerts_of(user=request.user), ALERTS_PER_PAGE)
    for alert in page_obj.object_list:
        alert.unit = _unit(alert)
        alert.top = [(view.label, view.rows[0]) for view in breakdowns(alert)]
    return render(request, "analytics/alerts/list.html", {"page_obj": page_obj})


@login_required
@require_GET
def alert_detail_view(request, pk):
    alert = get_object_or_404(alerts_of(user=request.user), pk=pk)
    alert.unit = _unit(alert)
    return render(request, "analytics/alerts/detail.html", {"alert": alert, "breakdowns": breakdowns(alert)})


# --- rules -------------------------------------------------------------------------------------


@login_required
@permission_required(MANAGE_RULES, raise_exception=True)
@require_GET
def rule_list_view(request):
    rules = AlertRule.objects.prefetch_related("recipient_users")
    return render(request, "analytics/alerts/rule_list.html", {"rules": rules})


def _rule_form_page(request, rule: AlertRule | None):
    data = request.POST if request.method == "POST" else None
    form = AlertRuleForm(data, rule=rule)
    if data is not None and form.is_valid():
        fields = form.service_input()
        if rule is None:
            saved = run_service(form, lambda: alert_rule_create(actor=request.user, **fields))
        else:
            version = form.cleaned_data.get("version")
            saved = run_service(
                form, lambda: alert_rule_update(rule=rule, actor=request.user, version=version, **fields)
            )
        if saved is not None:
            messages.success(request, _("Alert rule saved."))
            return redirect("analytics:alert_rules")
    status = 400 if data is not None else 200
    return render(request, "analytics/alerts/rule_form.html", {"form": form, "rule": rule}, status=status)


@login_required
@permission_required(MANAGE_RULES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def rule_create_view(request):
    return _rule_form_page(request, None)


@login_required
@permission_required(MANAGE_RULES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def rule_edit_view(request, pk):
    return _rule_form_page(request, get_object_or_404(AlertRule, pk=pk))


@login_required
@permission_required(MANAGE_RULES, raise_exception=True)
@require_POST
def rule_toggle_view(request, pk):
    rule = get_object_or_404(AlertRule, pk=pk)
    try:
        alert_rule_update(rule=rule, actor=request.user, active=request.POST.get("active") == "1")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        # A rule naming only people who have left since: switching it on is refused until its recipients are mended.
        messages.error(request, f"{rule.name}: {' '.join(exc.messages)}")
    return redirect("analytics:alert_rules")


@login_required
@permission_required(MANAGE_RULES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def rule_run_view(request, pk):
    """GET: what the rule finds now, for each recipient, and which of it was already sent; POST: send what is new."""
    rule = get_object_or_404(AlertRule, pk=pk)
    if request.method == "POST":
        raised = alert_rule_run(rule=rule, actor=request.user)
        messages.success(
            request,
            ngettext("%(count)s new alert sent.", "%(count)s new alerts sent.", len(raised)) % {"count": len(raised)},
        )
        return redirect("analytics:alert_rule_run", pk=rule.pk)
    findings = rule_findings(rule)
    sent = set(
        Alert.objects.filter(rule=rule, recipient__in=[finding.recipient for finding in findings]).values_list(
            "recipient", "period_start", "subject_key"
        )
    )
    unit = get_metric(rule.metric).unit if rule.kind == AlertKind.METRIC_DROP else COUNT
    rows = [
        (
            finding,
            (finding.recipient.pk, finding.period.start, finding.subject_key) in sent,
            [
                (grouping_label(group_by), contributor_text(found[0]))
                for group_by in BREAKDOWN
                if (found := finding.breakdown.get(group_by))
            ],
        )
        for finding in findings
    ]
    return render(request, "analytics/alerts/rule_run.html", {"rule": rule, "rows": rows, "unit": unit})
