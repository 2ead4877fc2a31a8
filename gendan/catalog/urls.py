from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list_view, name="product_list"),
    path("new/", views.product_create, name="product_create"),
    path("<int:pk>/edit/", views.product_edit, name="product_edit"),
]
