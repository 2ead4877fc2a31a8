from django.urls import path

from . import views_worklists

app_name = "sales_work"
urlpatterns = [
    path("approvals/", views_worklists.approvals_view, name="approvals"),
    path("quotations-awaiting/", views_worklists.quotations_awaiting_view, name="quotations_awaiting"),
    path("orders-attention/", views_worklists.orders_attention_view, name="orders_attention"),
]
