"""Statements of account (对账单): made for a customer and a period, sent by e-mail as a signed, expiring link,
confirmed or disputed line by line by the customer without an account, resolved by finance with a new version.

Every sending, opening and answer is on the customer's timeline. A dispute tells finance through automation
(the shipped rule on "statement.disputed" makes a task with a deadline). A confirmed statement is final.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.scoping import require_visible
from gendan.core import events
from gendan.core.bounds import ensure_dates
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import PublicLink
from gendan.core.numbering import next_number
from gendan.core.services import require_perm, required_text, row_errors
from gendan.core.services_links import public_link_create, public_link_open
from gendan.crm.models import Customer
from gendan.crm.selectors import customer_email_addresses

from .models import Statement, StatementDispute, StatementStatus
from .statements import statement_figures

CREATE_PERMISSION = "finance.add_statement"
SEND_PERMISSION = "finance.send_statement"
COMMENT_MAX_LENGTH = 1000
NAME_MAX_LENGTH = 100
ANSWERABLE = (StatementStatus.DRAFT, StatementStatus.SENT)


def statement_link_path(token: str) -> str:
    return reverse("statement_public", args=[token])


def _new_link(statement: Statement, actor) -> tuple[PublicLink, str]:
    return public_link_create(
        record=statement, purpose=PublicLink.Purpose.STATEMENT, actor=actor, days=settings.STATEMENT_LINK_DAYS
    )


def _written(statement: Statement, customer_id: int, start, end) -> None:
    figures = statement_figures(customer_id, start, end)
    statement.opening_balance = figures.opening_balance
    statement.debit_total = figures.debit_total
    statement.credit_total = figures.credit_total
    statement.closing_balance = figures.closing_balance
    statement.lines = figures.lines


@transaction.atomic
def statement_create(
    *, actor, customer: Customer, period_start: datetime.date, period_end: datetime.date
) -> tuple[Statement, str]:
    """The customer's statement for the period (both days included), with a link for them; returns it and the
    link's token (shown once)."""
    require_perm(actor, CREATE_PERMISSION)
    errors = {}
    if customer is None:
        errors["customer"] = [_("Choose a customer.")]
    if period_start is None:
        errors["period_start"] = [_("Give the first day.")]
    if period_end is None:
        errors["period_end"] = [_("Give the last day.")]
    if errors:
        raise ValidationError(errors)
    ensure_dates({"period_start": period_start, "period_end": period_end}, not_in_future=True)
    if period_end < period_start:
        raise ValidationError({"period_end": [_("The last day cannot be before the first.")]})
    require_visible(Customer.objects, customer, actor)
    statement = Statement(
        number=next_number("statement"),
        customer=customer,
        period_start=period_start,
        period_end=period_end,
        currency=settings.DEFAULT_CURRENCY,
        created_by=actor,
    )
    _written(statement, customer.pk, period_start, period_end)
    statement.save(force_insert=True)
    events.record(
        actor,
        "statement.created",
        statement,
        data={
            "number": statement.label,
            "period": f"{period_start} – {period_end}",
            "closing_balance": statement.closing_balance,
        },
        root=customer,
    )
    _link, token = _new_link(statement, actor)
    return statement, token


def _lock(statement: Statement, actor=None) -> Statement:
    locked = Statement.objects.select_for_update(of=("self",)).select_related("customer").get(pk=statement.pk)
    if actor is not None:
        require_visible(Statement.objects, locked, actor)
    return locked


def _recipients(statement: Statement, emails) -> list[str]:
    if emails:
        problems = []
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(_("“%(email)s” is not an e-mail address.") % {"email": email})
        if problems:
            raise ValidationError({"emails": problems})
        return list(dict.fromkeys(emails))
    found = customer_email_addresses(statement.customer)
    if not found:
        raise ValidationError(
            {"emails": [_("Neither the customer nor any of its contacts has an e-mail address: give one.")]}
        )
    return found


@transaction.atomic
def statement_send(
    *, statement: Statement, actor, emails=None, by_email: bool = True, base_url: str = ""
) -> tuple[Statement, str]:
    """Send the customer a new link to the statement: by e-mail (to `emails`, else to their contacts with an
    address; the mail goes once the transaction commits), or, with `by_email=False`, for the sender to pass on
    themselves (WeChat, a message). Returns the statement and the link's token (shown once)."""
    require_perm(actor, SEND_PERMISSION)
    statement = _lock(statement, actor)
    _require_latest_open(statement)
    recipients = _recipients(statement, emails) if by_email else []
    link, token = _new_link(statement, actor)
    url = base_url + statement_link_path(token)
    statement.status = StatementStatus.SENT
    statement.sent_at = timezone.now()
    statement.save(update_fields=["status", "sent_at", "updated_at"])
    events.record(
        actor,
        "statement.sent",
        statement,
        data={"number": statement.label, "to": recipients, "link": link.pk, "expires_at": link.expires_at},
        root=statement.customer,
    )
    subject = _("Statement %(number)s from %(start)s to %(end)s") % {
        "number": statement.label,
        "start": statement.period_start,
        "end": statement.period_end,
    }
    body = _(
        "Please check your statement of account and confirm the balance of %(currency)s %(balance)s, or tell us "
        "which lines you do not agree with:\n\n%(url)s\n\nThe link is valid until %(until)s."
    ) % {
        "currency": statement.currency,
        "balance": statement.closing_balance,
        "url": url,
        "until": timezone.localtime(link.expires_at).strftime("%Y-%m-%d"),
    }
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients))
    return statement, token


def _require_latest_open(statement: Statement) -> None:
    if statement.status not in ANSWERABLE:
        raise ApplicationError(
            _("Statement %(number)s is %(status)s: it takes no more answers.")
            % {"number": statement.label, "status": statement.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": statement.status},
        )
    if statement.is_superseded:
        raise ApplicationError(
            _("Statement %(number)s has a newer version.") % {"number": statement.label},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": statement.status},
        )


@transaction.atomic
def statement_link_open(*, token: str) -> Statement | None:
    """The statement `token` opens, None for an unknown, expired, closed or tampered link; an opening is on the
    customer's timeline once an hour at most."""
    link = public_link_open(purpose=PublicLink.Purpose.STATEMENT, token=token)
    if link is None:
        return None
    statement = Statement.objects.select_related("customer").filter(pk=link.object_id).first()
    if statement is None:
        return None
    if link.worth_recording:
        events.record(
            None,
            "statement.opened",
            statement,
            data={"number": statement.label, "link": link.pk},
            root=statement.customer,
        )
    return statement


def _clean_name(name) -> str:
    if name is not None and not isinstance(name, str):
        raise ValidationError({"name": [_("Give your name as text.")]})
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": [_("Keep the name under %(max)s characters.") % {"max": NAME_MAX_LENGTH}]})
    return name


@transaction.atomic
def statement_confirm(*, statement: Statement, name: str = "") -> Statement:
    """The customer agrees the balance (through the link): the statement is final."""
    name = _clean_name(name)
    statement = _lock(statement)
    _require_latest_open(statement)
    statement.status = StatementStatus.CONFIRMED
    statement.answered_at = timezone.now()
    statement.answered_by = name
    statement.save(update_fields=["status", "answered_at", "answered_by", "updated_at"])
    events.record(
        None,
        "statement.confirmed",
        statement,
        data={"number": statement.label, "by": name, "closing_balance": statement.closing_balance},
        root=statement.customer,
    )
    return statement


@transaction.atomic
def statement_dispute(*, statement: Statement, lines, name: str = "") -> Statement:
    """The customer disputes `lines` ([{"index": n, "comment": "…"}], through the link), each with why."""
    name = _clean_name(name)
    statement = _lock(statement)
    _require_latest_open(statement)
    if not isinstance(lines, list) or not lines:
        raise ValidationError({"lines": [_("Choose the lines you do not agree with.")]})
    known = {line["index"] for line in statement.lines}
    errors, disputes, seen = [], [], set()
    for row in lines:
        problems = {}
        index = row.get("index") if isinstance(row, dict) else None
        comment = row.get("comment") if isinstance(row, dict) else None
        comment = comment.strip() if isinstance(comment, str) else ""
        if not isinstance(index, int) or isinstance(index, bool) or index not in known:
            problems["index"] = [_("No such line on this statement.")]
        elif index in seen:
            problems["index"] = [_("Each line may appear once.")]
        if not comment:
            problems["comment"] = [_("Say what is wrong with this line.")]
        elif len(comment) > COMMENT_MAX_LENGTH:
            problems["comment"] = [_("Keep it under %(max)s characters.") % {"max": COMMENT_MAX_LENGTH}]
        errors.append(problems)
        if not problems:
            seen.add(index)
            disputes.append(StatementDispute(statement=statement, line_index=index, comment=comment))
    if any(errors):
        raise row_errors("lines", errors)
    StatementDispute.objects.bulk_create(disputes)
    statement.status = StatementStatus.DISPUTED
    statement.answered_at = timezone.now()
    statement.answered_by = name
    statement.save(update_fields=["status", "answered_at", "answered_by", "updated_at"])
    documents = {line["index"]: line["document"] for line in statement.lines}
    events.record(
        None,
        "statement.disputed",
        statement,
        data={
            "number": statement.label,
            "by": name,
            "lines": [{"index": d.line_index, "document": documents[d.line_index]} for d in disputes],
            # What automation's task says ({comment}).
            "comment": "; ".join(f"{documents[d.line_index]}: {d.comment}" for d in disputes),
        },
        root=statement.customer,
    )
    return statement


@transaction.atomic
def statement_resolve(*, statement: Statement, actor, resolution: str) -> tuple[Statement, str]:
    """Answer the customer's dispute and make the statement's next version from the documents as they are now
    (a credit note or a corrected payment may have been entered meanwhile); returns it and its link's token."""
    require_perm(actor, SEND_PERMISSION)
    resolution = required_text(resolution, field="resolution", missing=_("Say how the dispute was resolved."))
    statement = _lock(statement, actor)
    if statement.status != StatementStatus.DISPUTED or statement.is_superseded:
        raise ApplicationError(
            _("Statement %(number)s has no dispute to resolve.") % {"number": statement.label},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": statement.status},
        )
    now = timezone.now()
    statement.disputes.update(resolution=resolution, resolved_at=now, resolved_by=actor)
    following = Statement(
        number=statement.number,
        version=statement.version + 1,
        previous=statement,
        customer=statement.customer,
        period_start=statement.period_start,
        period_end=statement.period_end,
        currency=statement.currency,
        created_by=actor,
    )
    _written(following, statement.customer_id, statement.period_start, statement.period_end)
    following.save(force_insert=True)
    events.record(
        actor,
        "statement.resolved",
        statement,
        data={"number": statement.label, "resolution": resolution, "next": following.label},
        root=statement.customer,
    )
    events.record(
        actor,
        "statement.created",
        following,
        data={
            "number": following.label,
            "period": f"{following.period_start} – {following.period_end}",
            "closing_balance": following.closing_balance,
        },
        root=following.customer,
    )
    _link, token = _new_link(following, actor)
    return following, token
