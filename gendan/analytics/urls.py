from django.urls import path

from . import views, views_alerts, views_reports, views_targets

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("stages/", views.stages, name="stages"),
    path("reports/", views_reports.report_list, name="report_list"),
    path("reports/new/", views_reports.report_new, name="report_new"),
    path("reports/<int:pk>/", views_reports.report_run, name="report_run"),
    path("reports/<int:pk>/edit/", views_reports.report_edit, name="report_edit"),
    path("reports/<int:pk>/delete/", views_reports.report_remove, name="report_remove"),
    path("reports/<int:pk>/subscription/", views_reports.report_subscription, name="report_subscription"),
    path("targets/", views_targets.targets, name="targets"),
    path("targets/edit/", views_targets.target_edit, name="target_edit"),
    path("targets/<int:pk>/delete/", views_targets.target_remove, name="target_delete"),
    path("leaderboard/", views_targets.leaderboard, name="leaderboard"),
    path("forecast/", views_targets.forecast_page, name="forecast"),
    path("funnel/", views_targets.funnel_page, name="funnel"),
    path("alerts/", views_alerts.alert_list_view, name="alerts"),
    path("alerts/<int:pk>/", views_alerts.alert_detail_view, name="alert"),
    path("alerts/rules/", views_alerts.rule_list_view, name="alert_rules"),
    path("alerts/rules/new/", views_alerts.rule_create_view, name="alert_rule_create"),
    path("alerts/rules/<int:pk>/edit/", views_alerts.rule_edit_view, name="alert_rule_edit"),
    path("alerts/rules/<int:pk>/toggle/", views_alerts.rule_toggle_view, name="alert_rule_toggle"),
    path("alerts/rules/<int:pk>/run/", views_alerts.rule_run_view, name="alert_rule_run"),
]
