from django.urls import path

from . import views_exports

app_name = "exports"

urlpatterns = [
    path("<int:pk>/", views_exports.export_status, name="status"),
    path("<int:pk>/download/", views_exports.export_download, name="download"),
]
