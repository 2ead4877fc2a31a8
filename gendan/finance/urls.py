from django.urls import path

from . import views

app_name = "finance"
urlpatterns = [
    path("invoices/new/<int:order_pk>/", views.invoice_create_view, name="invoice_create"),
    path("invoices/<int:pk>/issue/", views.invoice_issue_view, name="invoice_issue"),
    path("payments/new/<int:order_pk>/", views.payment_create_view, name="payment_create"),
]
