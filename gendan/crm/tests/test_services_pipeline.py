"""Leads and opportunities: entering, contacting, converting, moving through the funnel, refusals."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import Customer, Lead, Opportunity
from gendan.crm.services_pipeline import (
    lead_contact,
    lead_convert,
    lead_create,
    lead_disqualify,
    lead_update,
    opportunity_create,
    opportunity_move,
    opportunity_update,
)
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        yield


def state():
    return (
        list(Lead.objects.values_list("pk", "status", "version")),
        list(Opportunity.objects.values_list("pk", "stage", "version", "probability")),
        Customer.objects.count(),
        Event.objects.count(),
    )


@pytest.fixture
def lead(personas):
    return lead_create(
        actor=personas["rep1"],
        company="常州新航智能装备有限公司",
        contact_name="周工",
        phone="13900001234",
        source="展会",
        region="华东",
    )


# --- leads -------------------------------------------------------------------------------------


def test_a_lead_is_entered_for_its_owner(personas, lead):
    assert (lead.status, lead.owner, lead.contacted_at) == ("new", personas["rep1"], None)
    event = Event.objects.get()
    assert (event.verb, event.data) == ("lead.created", {"owner": personas["rep1"].pk, "source": "展会"})


def test_a_lead_needs_a_company_and_a_way_to_reach_it(personas):
    with pytest.raises(ValidationError) as exc:
        lead_create(actor=personas["rep1"], company=" ", email="not-an-address")

    assert exc.value.message_dict == {
        "company": ["This field cannot be blank."],
        "email": ["Enter a valid email address."],
    }
    with pytest.raises(ValidationError) as exc:
        lead_create(actor=personas["rep1"], company="某公司")
    assert exc.value.message_dict == {
        "phone": ["Give a phone number or an e-mail address, so someone can contact them."]
    }
    assert not Lead.objects.exists()


def test_leads_are_seen_within_the_owners_scope(personas, lead):
    seen = {name for name, user in personas.items() if Lead.objects.visible_to(user).filter(pk=lead.pk).exists()}

    assert seen == {
        "rep1",
        "manager1",
        "follower1",
        "warehouse1",
        "logistics1",
        "finance1",
        "service1",
        "boss1",
        "admin",
    }


def test_contacting_a_lead_records_what_was_said_once_as_first_contact(personas, lead):
    with time_machine.travel(at(2025, 3, 3, 15), tick=False):
        lead = lead_contact(lead=lead, actor=personas["rep1"], note="电话沟通，对方有产线改造需求")
    with time_machine.travel(at(2025, 3, 4, 9), tick=False):
        lead = lead_contact(lead=lead, actor=personas["rep1"], note="发送了方案资料")

    assert (lead.status, lead.contacted_at, lead.version) == ("contacted", at(2025, 3, 3, 15), 3)
    contacted = Event.objects.filter(verb="lead.contacted").order_by("pk")
    assert [(e.changes, e.data["note"]) for e in contacted] == [
        ({"status": ["new", "contacted"]}, "电话沟通，对方有产线改造需求"),
        ({}, "发送了方案资料"),
    ]


def test_a_teammate_cannot_touch_anothers_lead(personas, lead):
    before = state()

    with pytest.raises(ApplicationError) as exc:
        lead_contact(lead=lead, actor=personas["rep2"], note="x")

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert state() == before


def test_converting_a_lead_makes_a_customer_with_its_contact_and_an_opportunity(personas, lead):
    # when
    lead = lead_convert(
        lead=lead, actor=personas["rep1"], opportunity_name="二号产线自动化改造", opportunity_amount=Decimal("380000")
    )

    # then
    customer = lead.customer
    assert (lead.status, customer.name, customer.owner, customer.phone, customer.source, customer.region) == (
        "converted",
        "常州新航智能装备有限公司",
        personas["rep1"],
        "13900001234",
        "展会",
        "华东",
    )
    assert list(customer.contacts.values_list("name", "phone")) == [("周工", "13900001234")]
    opportunity = Opportunity.objects.get()
    assert (opportunity.customer, opportunity.stage, opportunity.probability, opportunity.amount, opportunity.lead) == (
        customer,
        "lead",
        10,
        Decimal("380000.00"),
        lead,
    )
    assert list(Event.objects.order_by("pk").values_list("verb", flat=True)) == [
        "lead.created",
        "customer.created",
        "lead.converted",
        "opportunity.created",
    ]


def test_converting_into_a_customer_on_file_creates_none(personas, lead):
    existing = customer_ready_to_order(personas["rep1"], name="常州新航智能装备（集团）")

    lead = lead_convert(lead=lead, actor=personas["rep1"], customer=existing)

    assert (lead.customer, Customer.objects.count(), Opportunity.objects.count()) == (existing, 1, 0)


def test_a_converted_or_disqualified_lead_is_closed(personas, lead):
    with pytest.raises(ValidationError) as no_reason:
        lead_disqualify(lead=lead, actor=personas["rep1"], reason="")
    lead = lead_disqualify(lead=lead, actor=personas["rep1"], reason="只是同行询价")
    before = state()

    with pytest.raises(ApplicationError) as convert:
        lead_convert(lead=lead, actor=personas["rep1"])
    with pytest.raises(ApplicationError) as edit:
        lead_update(lead=lead, actor=personas["rep1"], notes="x")

    assert no_reason.value.message_dict == {"reason": ["Give a reason."]}
    assert (lead.status, lead.disqualify_reason) == ("disqualified", "只是同行询价")
    assert convert.value.code == edit.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert state() == before


# --- opportunities -----------------------------------------------------------------------------


@pytest.fixture
def opportunity(personas):
    customer = customer_ready_to_order(personas["rep1"], name="无锡博远精密机械有限公司")
    return opportunity_create(
        customer=customer,
        actor=personas["rep1"],
        name="数控车间伺服升级",
        amount=Decimal("250000"),
        expected_close_on=datetime.date(2025, 5, 31),
    )


def test_an_opportunity_opens_at_the_lead_stage_with_its_probability(personas, opportunity):
    assert (opportunity.stage, opportunity.probability, opportunity.owner, opportunity.stage_changed_at) == (
        "lead",
        10,
        personas["rep1"],
        at(2025, 3, 3, 10),
    )
    event = Event.objects.get(verb="opportunity.created")
    assert (event.root_id, event.data["stage"], event.data["amount"]) == (opportunity.customer_id, "lead", "250000.00")


def test_moving_through_the_stages_records_each_move(personas, opportunity):
    with time_machine.travel(at(2025, 3, 5, 10), tick=False):
        opportunity = opportunity_move(opportunity=opportunity, actor=personas["rep1"], stage="first_visit")
    with time_machine.travel(at(2025, 3, 12, 10), tick=False):
        opportunity = opportunity_move(
            opportunity=opportunity, actor=personas["rep1"], stage="proposal", probability=50
        )

    assert (opportunity.stage, opportunity.probability, opportunity.stage_changed_at, opportunity.version) == (
        "proposal",
        50,
        at(2025, 3, 12, 10),
        3,
    )
    moves = Event.objects.filter(verb="opportunity.stage_changed").order_by("pk")
    assert [(e.changes, e.data, e.root_id) for e in moves] == [
        ({"stage": ["lead", "first_visit"]}, {"stage": "first_visit", "from": "lead"}, opportunity.customer_id),
        ({"stage": ["first_visit", "proposal"]}, {"stage": "proposal", "from": "first_visit"}, opportunity.customer_id),
    ]


def test_lost_needs_a_reason_and_can_be_reopened_while_won_is_final(personas, opportunity):
    before = state()
    with pytest.raises(ValidationError) as no_reason:
        opportunity_move(opportunity=opportunity, actor=personas["rep1"], stage="lost")
    assert no_reason.value.message_dict == {"lost_reason": ["Say why the deal was lost."]}
    assert state() == before

    lost = opportunity_move(opportunity=opportunity, actor=personas["rep1"], stage="lost", lost_reason="价格高于竞品")
    assert (lost.stage, lost.probability, lost.lost_reason, lost.closed_on) == (
        "lost",
        0,
        "价格高于竞品",
        datetime.date(2025, 3, 3),
    )
    assert Event.objects.filter(verb="opportunity.stage_changed").get().data["reason"] == "价格高于竞品"

    reopened = opportunity_move(opportunity=lost, actor=personas["rep1"], stage="negotiation")
    assert (reopened.stage, reopened.lost_reason, reopened.closed_on, reopened.probability) == (
        "negotiation",
        "",
        None,
        80,
    )

    won = opportunity_move(opportunity=reopened, actor=personas["rep1"], stage="won")
    assert (won.stage, won.probability) == ("won", 100)
    with pytest.raises(ApplicationError) as final:
        opportunity_move(opportunity=won, actor=personas["rep1"], stage="negotiation")
    with pytest.raises(ApplicationError) as frozen_edit:
        opportunity_update(opportunity=won, actor=personas["rep1"], amount=Decimal("1"))
    assert (final.value.code, frozen_edit.value.code) == (ErrorCode.TRANSITION_NOT_ALLOWED, ErrorCode.NOT_EDITABLE)


def test_a_move_against_a_stale_version_or_to_the_same_stage_is_refused(personas, opportunity):
    opportunity_move(opportunity=opportunity, actor=personas["rep1"], stage="first_visit", version=1)

    with pytest.raises(ApplicationError) as stale:
        opportunity_move(opportunity=opportunity, actor=personas["rep1"], stage="proposal", version=1)
    with pytest.raises(ApplicationError) as same:
        opportunity_move(opportunity=opportunity, actor=personas["rep1"], stage="first_visit")

    assert (stale.value.code, same.value.code) == (ErrorCode.STALE_VERSION, ErrorCode.TRANSITION_NOT_ALLOWED)
    assert Opportunity.objects.get().stage == "first_visit"


def test_bad_opportunities_are_refused_on_their_fields(personas):
    customer = customer_ready_to_order(personas["rep1"])

    with pytest.raises(ValidationError) as exc:
        opportunity_create(
            customer=customer,
            actor=personas["manager1"],
            name="",
            amount=Decimal("-5"),
            probability=120,
            owner=personas["rep3"],
        )
    with pytest.raises(ValidationError) as closed:
        opportunity_create(customer=customer, actor=personas["rep1"], name="x", stage="won")

    assert exc.value.message_dict == {
        "name": ["This field cannot be blank."],
        "amount": ["Ensure this value is greater than or equal to 0."],
        "probability": ["Ensure this value is less than or equal to 100."],
        "owner": ["rep3 cannot see this customer."],
    }
    assert closed.value.message_dict == {"stage": ["A new opportunity starts at an open stage."]}
    assert not Opportunity.objects.exists()


def test_a_teammate_cannot_move_anothers_opportunity(personas, opportunity):
    with pytest.raises(ApplicationError) as exc:
        opportunity_move(opportunity=opportunity, actor=personas["rep2"], stage="won")

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert Opportunity.objects.get().stage == "lead"


def test_a_lead_entered_without_an_owner_goes_by_the_assignment_rule(personas):
    # given: leads go round robin to Alice and Bob
    from gendan.automation.models import AssignmentRule, AssignmentStrategy

    rule = AssignmentRule.objects.create(target_model="crm.lead", strategy=AssignmentStrategy.ROUND_ROBIN)
    rule.candidates.set([personas["rep1"], personas["rep2"]])

    # when: the manager enters two, and Alice one of her own
    first = lead_create(actor=personas["manager1"], company="甲公司", phone="1")
    second = lead_create(actor=personas["manager1"], company="乙公司", phone="2")
    own = lead_create(actor=personas["rep1"], company="丙公司", phone="3")

    # then
    assert (first.owner, second.owner, own.owner) == (personas["rep1"], personas["rep2"], personas["rep1"])
    assigned = Event.objects.filter(verb="lead.assigned").order_by("pk")
    assert [(e.object_id, e.data["owner"]) for e in assigned] == [
        (first.pk, personas["rep1"].pk),
        (second.pk, personas["rep2"].pk),
    ]
