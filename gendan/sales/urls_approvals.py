from django.urls import path

from . import views_approval_subjects, views_approvals

app_name = "approvals"
urlpatterns = [
    path("rules/", views_approvals.rule_list_view, name="rule_list"),
    path("rules/new/", views_approvals.rule_create_view, name="rule_create"),
    path("rules/<int:pk>/edit/", views_approvals.rule_edit_view, name="rule_edit"),
    path("rules/<int:pk>/toggle/", views_approvals.rule_toggle_view, name="rule_toggle"),
    path("rules/<int:pk>/delete/", views_approvals.rule_delete_view, name="rule_delete"),
    path("delegations/", views_approvals.delegations_view, name="delegations"),
    path("delegations/<int:pk>/end/", views_approvals.delegation_end_view, name="delegation_end"),
    # A contract's approval, decided from the panel sales adds to crm's contract page.
    path("contracts/<int:pk>/<slug:decision>/", views_approval_subjects.contract_decide_view, name="contract_decide"),
]
