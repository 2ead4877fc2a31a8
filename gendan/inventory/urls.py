from django.urls import path

from . import views

app_name = "inventory"
urlpatterns = [
    path("", views.stock_list, name="stock_list"),
    path("moves/", views.move_list, name="move_list"),
    path("moves/new/", views.move_create, name="move_create"),
]
