from django.urls import path

from . import views, views_targets

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("targets/", views_targets.targets, name="targets"),
    path("targets/edit/", views_targets.target_edit, name="target_edit"),
    path("targets/<int:pk>/delete/", views_targets.target_remove, name="target_delete"),
    path("leaderboard/", views_targets.leaderboard, name="leaderboard"),
    path("forecast/", views_targets.forecast_page, name="forecast"),
    path("funnel/", views_targets.funnel_page, name="funnel"),
]
