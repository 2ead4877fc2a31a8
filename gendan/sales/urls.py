from django.urls import path

from . import views, views_bulk, views_changes, views_credit, views_status_links

app_name = "sales"
urlpatterns = [
    path("", views.order_list_view, name="order_list"),
    path("new/", views.order_create_view, name="order_create"),
    path("board/", views.order_board_view, name="order_board"),
    # The list's actions on the orders ticked in it, and one order's confirmation as a PDF.
    path("selection/assign/", views_bulk.order_selection_assign, name="order_selection_assign"),
    path("selection/export/", views_bulk.order_selection_export, name="order_selection_export"),
    path("selection/pdf/", views_bulk.order_selection_pdf, name="order_selection_pdf"),
    path("<int:pk>/pdf/", views_bulk.order_pdf_view, name="order_pdf"),
    path("<int:pk>/move/", views.order_board_move, name="order_board_move"),
    path("editor/customer/", views.editor_customer, name="editor_customer"),
    path("editor/lookup/", views.editor_lookup, name="editor_lookup"),
    path("editor/row/", views.editor_row, name="editor_row"),
    path("editor/totals/", views.editor_totals, name="editor_totals"),
    path("<int:pk>/", views.order_detail_view, name="order_detail"),
    path("<int:pk>/edit/", views.order_edit_view, name="order_edit"),
    # Changes to a confirmed order (变更单) and its revisions.
    path("<int:pk>/changes/new/", views_changes.change_create_view, name="change_create"),
    path("<int:pk>/revisions/compare/", views_changes.order_revisions_compare, name="order_revisions_compare"),
    path("changes/<int:pk>/", views_changes.change_detail_view, name="change_detail"),
    path("changes/<int:pk>/edit/", views_changes.change_edit_view, name="change_edit"),
    path("changes/<int:pk>/<slug:action>/", views_changes.change_action_view, name="change_action"),
    path("<int:pk>/status-link/", views_status_links.status_link_send_view, name="status_link_send"),
    path("<int:pk>/credit-override/", views_credit.credit_override_request_view, name="credit_override_request"),
    path(
        "<int:pk>/credit-override/<int:override_pk>/<str:decision>/",
        views_credit.credit_override_decide_view,
        name="credit_override_decide",
    ),
    path(
        "<int:pk>/status-link/<int:link_pk>/revoke/",
        views_status_links.status_link_revoke_view,
        name="status_link_revoke",
    ),
    path("<int:pk>/<slug:action>/", views.order_action_view, name="order_action"),
]
