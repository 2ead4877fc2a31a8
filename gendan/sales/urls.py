from django.urls import path

from . import views

app_name = "sales"
urlpatterns = [
    path("", views.order_list_view, name="order_list"),
    path("new/", views.order_create_view, name="order_create"),
    path("board/", views.order_board_view, name="order_board"),
    path("<int:pk>/move/", views.order_board_move, name="order_board_move"),
    path("editor/customer/", views.editor_customer, name="editor_customer"),
    path("editor/lookup/", views.editor_lookup, name="editor_lookup"),
    path("editor/row/", views.editor_row, name="editor_row"),
    path("editor/totals/", views.editor_totals, name="editor_totals"),
    path("<int:pk>/", views.order_detail_view, name="order_detail"),
    path("<int:pk>/edit/", views.order_edit_view, name="order_edit"),
    path("<int:pk>/<slug:action>/", views.order_action_view, name="order_action"),
]
