"""Who is acting and from where, for the event log, without threading it through every call."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
client_ip_var: ContextVar[str | None] = ContextVar("client_ip", default=None)
# Within one request, each record type's active custom fields as first read (core.custom_fields.fields_of): a page
# builds several filter sets, forms and tables over the same definitions. None outside a request: no memo.
custom_fields_memo_var: ContextVar[dict | None] = ContextVar("custom_fields_memo", default=None)
