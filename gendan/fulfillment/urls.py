from django.urls import path

from . import views, views_worklists

app_name = "fulfillment"
urlpatterns = [
    path("new/<int:order_pk>/", views.shipment_create_view, name="shipment_create"),
    path("<int:pk>/ship/", views.shipment_ship_view, name="shipment_ship"),
    path("<int:pk>/deliver/", views.shipment_deliver_view, name="shipment_deliver"),
    path("<int:pk>/cancel/", views.shipment_cancel_view, name="shipment_cancel"),
    # The worklists, and the steps taken from their rows.
    path("to-ship/", views_worklists.to_ship_view, name="to_ship"),
    path("to-ship/<int:order_pk>/ship/", views_worklists.to_ship_ship_view, name="to_ship_ship"),
    path("to-send/", views_worklists.pending_shipments_view, name="pending_shipments"),
    path("to-send/<int:pk>/ship/", views_worklists.pending_ship_view, name="pending_ship"),
    path("in-transit/", views_worklists.in_transit_view, name="in_transit"),
    path("in-transit/<int:pk>/deliver/", views_worklists.in_transit_deliver_view, name="in_transit_deliver"),
]
