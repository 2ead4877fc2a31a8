"""The statement a customer opens without an account (/s/statement/<token>/): they read it on a phone, confirm the
balance or dispute single lines with a comment. Browsers post the page's forms; API clients send and get JSON."""

import json

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from gendan.core.api import nest_errors
from gendan.core.bounds import id_from
from gendan.core.errors import ApplicationError
from gendan.core.parsers import MAX_JSON_DEPTH, TOO_DEEP, depth
from gendan.core.views_links import link_page

from .documents_statements import statement_rows
from .services_statements import statement_confirm, statement_dispute, statement_link_open


def _public_body(statement) -> dict:
    return {
        "number": statement.label,
        "customer": statement.customer.name,
        "period_start": statement.period_start,
        "period_end": statement.period_end,
        "currency": statement.currency,
        "opening_balance": str(statement.opening_balance),
        "closing_balance": str(statement.closing_balance),
        "lines": statement.lines,
        "status": statement.status,
        "disputes": [{"index": d.line_index, "comment": d.comment} for d in statement.disputes.all()],
    }


def _wants_json(request) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


def _answer(request) -> tuple:
    """The customer's answer, from a JSON body or the page's form, as (action, lines, name)."""
    if request.content_type == "application/json":
        # As the API's parser (core.parsers): a body nested too deeply is the client's error, never a crash.
        try:
            body = json.loads(request.body or b"{}")
        except RecursionError as exc:
            raise ValidationError({"action": [TOO_DEEP]}) from exc
        except ValueError as exc:
            raise ValidationError({"action": [_("Send a JSON object.")]}) from exc
        if depth(body) > MAX_JSON_DEPTH:
            raise ValidationError({"action": [TOO_DEEP]})
        if not isinstance(body, dict):
            raise ValidationError({"action": [_("Send a JSON object.")]})
        return body.get("action"), body.get("lines"), body.get("name", "")
    chosen = [index for value in request.POST.getlist("line") if (index := id_from(value))]
    lines = [{"index": index, "comment": request.POST.get(f"comment_{index}", "")} for index in chosen]
    return request.POST.get("action"), lines, request.POST.get("name", "")


# The link is the key: no session, no cookie to forge a request with, so no CSRF token to check.
@csrf_exempt
@link_page
@require_http_methods(["GET", "POST"])
def statement_public(request, token):
    statement = statement_link_open(token=token)
    if statement is None:
        raise Http404
    errors = {}
    if request.method == "POST":
        try:
            action, lines, name = _answer(request)
            if action == "confirm":
                statement = statement_confirm(statement=statement, name=name)
            elif action == "dispute":
                statement = statement_dispute(statement=statement, lines=lines, name=name)
            else:
                raise ValidationError({"action": [_("Choose to confirm the balance or to dispute lines.")]})
        except ValidationError as exc:
            errors = exc.message_dict
        except ApplicationError as exc:
            errors = {"detail": [exc.message]}
            if _wants_json(request):
                return JsonResponse({"detail": str(exc.message), "code": str(exc.code)}, status=409)
        if not errors and not _wants_json(request):
            return redirect(request.path)
    if _wants_json(request):
        if errors:
            return JsonResponse(nest_errors(errors), status=400)
        return JsonResponse(_public_body(statement), json_dumps_params={"ensure_ascii": False})
    rows = statement_rows(statement)
    # After a refused answer the page shows what the customer chose and wrote, to mend and send again.
    checked = set(request.POST.getlist("line")) if errors else set()
    for row in rows:
        row["checked"] = str(row["index"]) in checked
        row["comment"] = request.POST.get(f"comment_{row['index']}", "") if errors else ""
    context = {
        "statement": statement,
        "rows": rows,
        "answerable": statement.is_answerable,
        "errors": errors,
    }
    return render(request, "finance/statement_public.html", context, status=400 if errors else 200)
