from django.urls import path

from . import views, views_alerts

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("alerts/", views_alerts.alert_list_view, name="alerts"),
    path("alerts/<int:pk>/", views_alerts.alert_detail_view, name="alert"),
    path("alerts/rules/", views_alerts.rule_list_view, name="alert_rules"),
    path("alerts/rules/new/", views_alerts.rule_create_view, name="alert_rule_create"),
    path("alerts/rules/<int:pk>/edit/", views_alerts.rule_edit_view, name="alert_rule_edit"),
    path("alerts/rules/<int:pk>/toggle/", views_alerts.rule_toggle_view, name="alert_rule_toggle"),
    path("alerts/rules/<int:pk>/run/", views_alerts.rule_run_view, name="alert_rule_run"),
]
