from django.urls import path

from . import views, views_credit_notes, views_lists, views_receivables, views_statements, views_worklists

app_name = "finance"
urlpatterns = [
    path("invoices/new/<int:order_pk>/", views.invoice_create_view, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail_view, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf_view, name="invoice_pdf"),
    path("invoices/<int:pk>/issue/", views.invoice_issue_view, name="invoice_issue"),
    path("invoices/<int:pk>/fapiao-number/", views.invoice_fapiao_number_view, name="invoice_fapiao_number"),
    path("invoices/<int:pk>/credit-notes/", views_credit_notes.credit_note_create_view, name="credit_note_create"),
    path("credit-notes/<int:pk>/issue/", views_credit_notes.credit_note_issue_view, name="credit_note_issue"),
    path("statements/", views_statements.statement_list_view, name="statement_list"),
    path("statements/new/", views_statements.statement_create_view, name="statement_create"),
    path("statements/<int:pk>/", views_statements.statement_detail_view, name="statement_detail"),
    path("statements/<int:pk>/send/", views_statements.statement_send_view, name="statement_send"),
    path("statements/<int:pk>/resolve/", views_statements.statement_resolve_view, name="statement_resolve"),
    path(
        "statements/<int:pk>/<str:fmt>/",
        views_statements.statement_file_view,
        name="statement_file",
    ),
    path("payments/new/<int:order_pk>/", views.payment_create_view, name="payment_create"),
    path("orders/<int:order_pk>/instalments/", views.order_instalments_view, name="order_instalments"),
    path("invoices/", views_lists.invoice_list_view, name="invoice_list"),
    path("payments/", views_lists.payment_list_view, name="payment_list"),
    path("ageing/", views_receivables.ageing_view, name="ageing"),
    # The worklists, and the steps taken from their rows.
    path("to-invoice/", views_worklists.to_invoice_view, name="to_invoice"),
    path("to-invoice/<int:order_pk>/invoice/", views_worklists.to_invoice_invoice_view, name="to_invoice_invoice"),
    path("unpaid/", views_worklists.unpaid_invoices_view, name="unpaid_invoices"),
    path("unpaid/<int:pk>/payment/", views_worklists.unpaid_invoice_payment_view, name="unpaid_invoice_payment"),
    path("to-allocate/", views_worklists.unallocated_payments_view, name="unallocated_payments"),
    path("to-allocate/<int:pk>/", views_worklists.unallocated_payment_view, name="unallocated_payment"),
]
