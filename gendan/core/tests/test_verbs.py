"""Event verbs are named once, by the app that records them, for rules and timelines alike."""

from django.utils import translation

from gendan.core import verbs
from gendan.core.templatetags.gendan_ui import event_label


def test_each_verb_has_a_name_for_rules_and_a_phrase_for_timelines():
    submitted = verbs.get("order.submitted")

    with translation.override("en"):
        assert (str(submitted.label), str(submitted.activity)) == ("Order submitted", "submitted the order")
        assert event_label("order.submitted") == "submitted the order"
    with translation.override("zh-hans"):
        assert (verbs.label("order.submitted"), event_label("order.submitted")) == ("订单提交审批", "提交了订单")
    # A verb nobody registered: the timeline shows it as recorded, a rule sentence as words.
    assert event_label("order.reopened") == "order.reopened"
    assert verbs.label("order.reopened") == "Order reopened"


def test_the_verbs_of_a_record_type_include_those_of_the_records_belonging_to_it():
    for_order = [verb.code for verb in verbs.for_record_type("sales.order")]
    for_lead = [verb.code for verb in verbs.for_record_type("crm.lead")]

    assert for_order[0].startswith("order.")  # its own verbs first
    assert {"order.submitted", "shipment.shipped", "invoice.paid", "payment.allocated", "task.completed"} <= set(
        for_order
    )
    assert "lead.created" not in for_order and "followup.created" not in for_order
    assert {"lead.created", "lead.converted", "task.completed"} <= set(for_lead)
    assert "order.submitted" not in for_lead
