from django.urls import path

from . import views, views_reports

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
]
