from django.urls import path

from . import views

app_name = "crm"
urlpatterns = [
    path("", views.customer_list_view, name="customer_list"),
    path("new/", views.customer_create, name="customer_create"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/addresses/", views.address_add, name="address_add"),
]
