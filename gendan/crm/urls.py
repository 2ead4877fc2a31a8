from django.urls import path

from . import views, views_contracts, views_followups

app_name = "crm"
urlpatterns = [
    path("", views.customer_list_view, name="customer_list"),
    path("new/", views.customer_create, name="customer_create"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/addresses/", views.address_add, name="address_add"),
    path("<int:pk>/follow-ups/", views_followups.followup_add, name="followup_add"),
    path("<int:pk>/meetings/new/", views_followups.meeting_create, name="meeting_create"),
    path("<int:pk>/contracts/new/", views_contracts.contract_create, name="contract_create"),
    path("follow-ups/", views_followups.followup_list_view, name="followup_list"),
    path("meetings/", views_followups.meeting_list_view, name="meeting_list"),
    path("meetings/<int:pk>/", views_followups.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views_followups.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/hold/", views_followups.meeting_hold, name="meeting_hold"),
    path("meetings/<int:pk>/cancel/", views_followups.meeting_cancel, name="meeting_cancel"),
    path("contracts/", views_contracts.contract_list_view, name="contract_list"),
    path("contracts/<int:pk>/", views_contracts.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views_contracts.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/file/", views_contracts.contract_file, name="contract_file"),
    path("contracts/<int:pk>/activate/", views_contracts.contract_activate, name="contract_activate"),
    path("contracts/<int:pk>/terminate/", views_contracts.contract_terminate, name="contract_terminate"),
]
