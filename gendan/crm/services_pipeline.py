"""Leads (线索) and opportunities (商机): the sales funnel. Each function is one transaction and records its event.

A lead is contacted, then converted into a customer (a new one, or one already on file) or
disqualified. An opportunity moves through the stages in Stage; every move records
`opportunity.stage_changed` with {"stage": new, "from": old} and the change of `stage`, so rules
can act on "the stage became proposal" (condition event:stage). Lost needs a reason; won is final.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.accounts.roles import assigns_automatically
from gendan.accounts.scoping import ensure_in_scope, require_visible
from gendan.core import custom_fields as custom
from gendan.core import events
from gendan.core.bounds import date_errors
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.hooks import assign_owner
from gendan.core.money import CENT
from gendan.core.services import check_version, full_clean, require_perm

from .models import (
    CLOSED_STAGES,
    LEAD_OPEN,
    LEAD_STATES,
    STAGE_PROBABILITY,
    STAGE_STATES,
    Customer,
    Lead,
    LeadStatus,
    Opportunity,
    Stage,
)
from .services import customer_create

LEAD_FIELDS = ["company", "contact_name", "phone", "email", "source", "region", "notes", "owner"]
OPPORTUNITY_FIELDS = ["name", "amount", "probability", "expected_close_on", "owner", "notes"]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


# --- leads -------------------------------------------------------------------------------------


@transaction.atomic
def lead_create(*, actor, company: str, owner=None, **fields) -> Lead:
    require_perm(actor, "crm.add_lead")
    unknown = set(fields) - set(LEAD_FIELDS)
    if unknown:
        raise TypeError(f"lead_create got unexpected fields {sorted(unknown)}")
    # A rep's new lead is theirs; one entered by anyone else goes by the assignment rule, if any.
    assigned = None
    if owner is None and assigns_automatically(actor):
        assigned = assign_owner("crm.lead", region=fields.get("region", ""), actor=actor)
    lead = Lead(
        company=_strip(company or ""),
        owner=owner or assigned or actor,
        **{k: _strip(v) for k, v in fields.items()},
    )
    errors = {}
    try:
        full_clean(lead, exclude=["owner", "customer"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not lead.owner.is_active:
        errors["owner"] = [_("Choose an active user.")]
    if not (lead.phone or lead.email):
        errors["phone"] = [_("Give a phone number or an e-mail address, so someone can contact them.")]
    if errors:
        raise ValidationError(errors)
    lead.save()
    ensure_in_scope(Lead.objects, lead, actor)
    events.record(actor, "lead.created", lead, data={"owner": lead.owner_id, "source": lead.source})
    if assigned is not None:
        events.record(actor, "lead.assigned", lead, data={"owner": assigned.pk, "by": "assignment_rule"})
    return lead


def lock_lead(lead: Lead, actor) -> Lead:
    locked = Lead.objects.select_for_update(of=("self",)).select_related("owner").get(pk=lead.pk)
    require_visible(Lead.objects, locked, actor)
    return locked


def _require_open(lead: Lead, action: str) -> None:
    if lead.status not in LEAD_OPEN:
        raise ApplicationError(
            _("This lead is already %(status)s; it cannot be %(action)s.")
            % {"status": lead.get_status_display(), "action": action},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": lead.status},
        )


@transaction.atomic
def lead_update(*, lead: Lead, actor, version=None, **fields) -> Lead:
    require_perm(actor, "crm.change_lead")
    lead = lock_lead(lead, actor)
    check_version(lead, version)
    _require_open(lead, _("edited"))
    unknown = set(fields) - set(LEAD_FIELDS)
    if unknown:
        raise TypeError(f"lead_update got unexpected fields {sorted(unknown)}")
    before = events.snapshot(lead, fields)
    for name, value in fields.items():
        setattr(lead, name, _strip(value))
    full_clean(lead, exclude=["customer"])
    changes = events.diff(before, events.snapshot(lead, fields))
    lead.version += 1
    lead.save()
    ensure_in_scope(Lead.objects, lead, actor)
    events.record(actor, "lead.updated", lead, changes=changes)
    return lead


@transaction.atomic
def lead_contact(*, lead: Lead, actor, note: str) -> Lead:
    """Someone got through to the lead: what was said. The first contact ends the "not contacted" clock."""
    require_perm(actor, "crm.change_lead")
    lead = lock_lead(lead, actor)
    _require_open(lead, _("contacted"))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say what was discussed.")]})
    data = {"note": note[:500]}
    if lead.status == LeadStatus.NEW:
        lead.contacted_at = timezone.now()
        LEAD_STATES.move(
            lead, LeadStatus.CONTACTED, actor=actor, verb="lead.contacted", extra_fields=["contacted_at"], data=data
        )
        return lead
    lead.version += 1
    lead.save(update_fields=["version", "updated_at"])
    events.record(actor, "lead.contacted", lead, data=data)
    return lead


@transaction.atomic
def lead_disqualify(*, lead: Lead, actor, reason: str) -> Lead:
    require_perm(actor, "crm.change_lead")
    lead = lock_lead(lead, actor)
    _require_open(lead, _("disqualified"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    lead.disqualify_reason = reason[:200]
    LEAD_STATES.move(
        lead,
        LeadStatus.DISQUALIFIED,
        actor=actor,
        verb="lead.disqualified",
        extra_fields=["disqualify_reason"],
        data={"reason": lead.disqualify_reason},
    )
    return lead


@transaction.atomic
def lead_convert(
    *,
    lead: Lead,
    actor,
    customer: Customer | None = None,
    opportunity_name: str = "",
    opportunity_amount=None,
) -> Lead:
    """The lead becomes a customer: a new one from its details, or `customer` already on file.

    With an opportunity name, a deal at the "lead" stage is opened for the customer as well.
    """
    require_perm(actor, "crm.change_lead")
    lead = lock_lead(lead, actor)
    _require_open(lead, _("converted"))
    if customer is None:
        contacts = []
        if lead.contact_name:
            contacts = [{"name": lead.contact_name, "phone": lead.phone, "email": lead.email}]
        try:
            customer = customer_create(
                actor=actor,
                name=lead.company,
                owner=lead.owner,
                phone=lead.phone,
                email=lead.email,
                source=lead.source,
                region=lead.region,
                notes=lead.notes,
                contacts=contacts,
            )
        except ValidationError as exc:
            # The lead's details are what failed: say so on the lead's fields where they match.
            fields = {"name": "company", "contacts.0.name": "contact_name", "contacts.0.phone": "phone"}
            raise ValidationError({fields.get(k, k): v for k, v in exc.message_dict.items()}) from exc
    else:
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        require_visible(Customer.objects, customer, actor)
    lead.customer = customer
    LEAD_STATES.move(
        lead,
        LeadStatus.CONVERTED,
        actor=actor,
        verb="lead.converted",
        extra_fields=["customer"],
        data={"customer": customer.pk},
    )
    if (opportunity_name or "").strip():
        opportunity_create(
            customer=customer,
            actor=actor,
            name=opportunity_name,
            amount=opportunity_amount or 0,
            owner=lead.owner,
            lead=lead,
        )
    return lead


# --- opportunities -----------------------------------------------------------------------------


def _owner_errors(owner, customer) -> list[str]:
    if owner is None or not owner.is_active:
        return [_("Choose an active user.")]
    if not Customer.objects.visible_to(owner).filter(pk=customer.pk).exists():
        return [_("%(user)s cannot see this customer.") % {"user": owner}]
    return []


def _check_opportunity(opportunity: Opportunity, custom_errors: dict | None = None) -> None:
    errors = dict(custom_errors or {})
    try:
        full_clean(opportunity, exclude=["customer", "owner", "lead"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    errors.update(date_errors({"expected_close_on": opportunity.expected_close_on}))
    if message := _owner_errors(opportunity.owner if opportunity.owner_id else None, opportunity.customer):
        errors["owner"] = message
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def opportunity_create(
    *,
    customer: Customer,
    actor,
    name: str,
    amount=0,
    stage: str = Stage.LEAD,
    probability: int | None = None,
    expected_close_on: datetime.date | None = None,
    owner=None,
    notes: str = "",
    lead: Lead | None = None,
    custom_fields=None,
) -> Opportunity:
    """A new deal, open at `stage` (won or lost are reached by moving it)."""
    require_perm(actor, "crm.add_opportunity")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    require_visible(Customer.objects, customer, actor)
    if stage in CLOSED_STAGES or stage not in Stage.values:
        raise ValidationError({"stage": [_("A new opportunity starts at an open stage.")]})
    opportunity = Opportunity(
        customer=customer,
        name=_strip(name or ""),
        amount=amount,
        stage=stage,
        probability=STAGE_PROBABILITY[stage] if probability is None else probability,
        expected_close_on=expected_close_on,
        owner=owner or customer.owner,
        notes=notes or "",
        lead=lead,
        stage_changed_at=timezone.now(),
    )
    opportunity.custom_fields, custom_errors = custom.clean_custom_values(
        custom.fields_of("crm.opportunity"), custom_fields
    )
    _check_opportunity(opportunity, custom_errors)
    opportunity.amount = opportunity.amount.quantize(CENT)
    opportunity.save()
    events.record(
        actor,
        "opportunity.created",
        opportunity,
        data={"stage": stage, "amount": opportunity.amount, "owner": opportunity.owner_id, "lead": lead},
        root=customer,
    )
    return opportunity


def lock_opportunity(opportunity: Opportunity, actor) -> Opportunity:
    locked = (
        Opportunity.objects.select_for_update(of=("self",)).select_related("customer", "owner").get(pk=opportunity.pk)
    )
    if not Opportunity.objects.visible_to(actor).filter(pk=locked.pk).exists():
        raise ApplicationError(
            _("You cannot change a record outside the records you can see."), ErrorCode.PERMISSION_DENIED
        )
    return locked


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, actor, version=None, custom_fields=None, **fields) -> Opportunity:
    """Edit a deal's details (not its stage: that is opportunity_move)."""
    require_perm(actor, "crm.change_opportunity")
    opportunity = lock_opportunity(opportunity, actor)
    check_version(opportunity, version)
    if opportunity.stage == Stage.WON:
        raise ApplicationError(
            _("A won opportunity is closed and kept as it was."),
            ErrorCode.NOT_EDITABLE,
            {"stage": opportunity.stage},
        )
    unknown = set(fields) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise TypeError(f"opportunity_update got unexpected fields {sorted(unknown)}")
    before = events.snapshot(opportunity, fields)
    for name, value in fields.items():
        setattr(opportunity, name, _strip(value))
    custom_before, custom_errors = opportunity.custom_fields, {}
    if custom_fields is not None:
        opportunity.custom_fields, custom_errors = custom.clean_custom_values(
            custom.fields_of("crm.opportunity"), custom_fields, current=custom_before
        )
    _check_opportunity(opportunity, custom_errors)
    opportunity.amount = opportunity.amount.quantize(CENT)
    changes = events.diff(before, events.snapshot(opportunity, fields))
    changes.update(custom.changes(custom_before, opportunity.custom_fields))
    opportunity.version += 1
    opportunity.save()
    events.record(actor, "opportunity.updated", opportunity, changes=changes, root=opportunity.customer)
    return opportunity


@transaction.atomic
def opportunity_move(
    *,
    opportunity: Opportunity,
    actor,
    stage: str,
    lost_reason: str = "",
    probability: int | None = None,
    version=None,
) -> Opportunity:
    """Move a deal to another stage: its probability follows the stage unless given; lost needs a reason."""
    require_perm(actor, "crm.change_opportunity")
    opportunity = lock_opportunity(opportunity, actor)
    check_version(opportunity, version)
    if stage not in Stage.values:
        raise ValidationError({"stage": [_("Choose a stage.")]})
    STAGE_STATES.check(opportunity, stage)
    lost_reason = (lost_reason or "").strip()
    if stage == Stage.LOST and not lost_reason:
        raise ValidationError({"lost_reason": [_("Say why the deal was lost.")]})
    if probability is not None and not 0 <= probability <= 100:
        raise ValidationError({"probability": [_("Enter a percentage from 0 to 100.")]})
    now = timezone.now()
    opportunity.probability = STAGE_PROBABILITY[stage] if probability is None or stage in CLOSED_STAGES else probability
    opportunity.stage_changed_at = now
    opportunity.lost_reason = lost_reason[:200] if stage == Stage.LOST else ""
    opportunity.closed_on = timezone.localdate(now) if stage in CLOSED_STAGES else None
    data = {"stage": stage, "from": opportunity.stage}
    if stage == Stage.LOST:
        data["reason"] = opportunity.lost_reason
    STAGE_STATES.move(
        opportunity,
        stage,
        actor=actor,
        verb="opportunity.stage_changed",
        extra_fields=["probability", "stage_changed_at", "lost_reason", "closed_on"],
        data=data,
        root=opportunity.customer,
    )
    return opportunity
