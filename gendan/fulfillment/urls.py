from django.urls import path

from . import views

app_name = "fulfillment"
urlpatterns = [
    path("new/<int:order_pk>/", views.shipment_create_view, name="shipment_create"),
    path("<int:pk>/ship/", views.shipment_ship_view, name="shipment_ship"),
    path("<int:pk>/deliver/", views.shipment_deliver_view, name="shipment_deliver"),
    path("<int:pk>/cancel/", views.shipment_cancel_view, name="shipment_cancel"),
]
