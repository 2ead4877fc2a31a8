from django.urls import path

from . import views_approval_subjects
from . import views_quotations as views

app_name = "quotations"
urlpatterns = [
    path("", views.quotation_list_view, name="list"),
    path("new/", views.quotation_create_view, name="create"),
    path("editor/customer/", views.editor_customer, name="editor_customer"),
    path("customer/<int:customer_pk>/", views.customer_panel_view, name="customer_panel"),
    path("<int:pk>/", views.quotation_detail_view, name="detail"),
    path("<int:pk>/edit/", views.quotation_edit_view, name="edit"),
    path("<int:pk>/pdf/", views.quotation_pdf_view, name="pdf"),
    path("<int:pk>/compare/<int:other_pk>/", views.quotation_compare_view, name="compare"),
    # Approving or refusing its approval (a rule caught it on its way to the customer).
    path("<int:pk>/approval/<slug:decision>/", views_approval_subjects.quotation_decide_view, name="approval_decide"),
    path("<int:pk>/<slug:action>/", views.quotation_action_view, name="action"),
]
