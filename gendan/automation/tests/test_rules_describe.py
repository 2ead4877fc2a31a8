"""Every rule reads as a sentence in the reader's language, with no code a person would have to decode."""

import re

import pytest
from django.utils import translation

from gendan.automation.models import Rule
from gendan.automation.rules.describe import RuleDescriber, describe_rule
from gendan.automation.shipped_rules import SHIPPED_RULES, _plain
from gendan.core import verbs

pytestmark = pytest.mark.django_db

# What a rule stores and a reader should never see: event verbs (order.submitted), field and
# value codes (starts_at, pending_approval), recipient specs (role:finance, user:3), operator codes.
CODES = re.compile(
    r"\b[a-z]+\.[a-z_]+\b|\b[a-z]+_[a-z_]+\b|\b(?:role|user|event):|\b(?:eq|ne|gt|gte|lt|lte|not_in|is_empty)\b"
)
PLACEHOLDER = re.compile(r"\{[a-z]+\}")


def shipped(language: str) -> list[Rule]:
    """The shipped rules as a company using `language` gets them (names and titles in it)."""
    with translation.override(language):
        rules = []
        for definition in SHIPPED_RULES:
            rules.append(Rule(**_plain(definition)))
        return rules


@pytest.mark.parametrize("definition", SHIPPED_RULES, ids=[d["system_key"] for d in SHIPPED_RULES])
def test_each_shipped_rule_reads_in_chinese_without_a_latin_letter(definition):
    rule = next(r for r in shipped("zh-hans") if r.name == str_in("zh-hans", definition["name"]))
    with translation.override("zh-hans"):
        sentence = describe_rule(rule)

    assert sentence.endswith("。")
    # Titles keep their {placeholders}; everything else is Chinese, numbers and punctuation.
    assert re.findall(r"[A-Za-z]+", PLACEHOLDER.sub("", sentence)) == []


@pytest.mark.parametrize("definition", SHIPPED_RULES, ids=[d["system_key"] for d in SHIPPED_RULES])
def test_each_shipped_rule_reads_in_english_without_codes(definition):
    rule = next(r for r in shipped("en") if r.name == str_in("en", definition["name"]))
    with translation.override("en"):
        sentence = describe_rule(rule)

    assert CODES.findall(PLACEHOLDER.sub("", sentence)) == []


def str_in(language, text) -> str:
    with translation.override(language):
        return str(text)


def test_the_approval_and_meeting_rules_read_as_a_person_would_say_them():
    rules = {r.system_key: r for r in shipped("zh-hans")}
    with translation.override("zh-hans"):
        approval = describe_rule(rules["approval_waiting_4h"])
        meeting = describe_rule(rules["meeting_in_1h"])
    with translation.override("en"):
        approval_en = describe_rule(rules["approval_waiting_4h"])

    assert approval.startswith(
        "订单提交审批后 4 小时（按工作时间计），且期间没有订单通过一级审批、订单审批通过、订单被驳回或订单取消"
    )
    assert "若状态 等于 待审批：给离负责人最近的销售经理创建任务「" in approval
    assert "逾期 2 小时、4 小时、8 小时后逐级上报" in approval
    assert meeting.startswith("会议开始时间前 1 小时，若状态 等于 已安排：通知负责人「")
    assert approval_en.startswith(
        "4 hours (business hours) after order submitted, unless meanwhile: order approved at one level, order "
        "approved, order rejected or order cancelled, if status is Pending approval: create a task for the sales "
        "manager nearest the owner"
    )


def test_people_values_and_dates_are_shown_by_name_with_one_query_for_all_rules(personas, django_assert_num_queries):
    rep = personas["rep1"]
    rep.first_name, rep.last_name = "Li", "Wang"
    rep.save()
    finance = personas["finance1"]
    rules = [
        Rule(
            trigger="event",
            target_model="sales.order",
            event_verb="order.held",
            conditions=[
                {"field": "owner", "op": "eq", "value": rep.pk},
                {"field": "promised_date", "op": "lt", "value": "2026-03-01"},
                {"field": "customer__name", "op": "is_not_empty", "value": None},
            ],
            actions=[{"type": "notify", "recipient": f"user:{finance.pk}", "title": "看看 {number}", "body": ""}],
        ),
        Rule(
            trigger="event",
            target_model="sales.order",
            event_verb="order.reopened",  # a verb no app registered reads as its words
            actions=[{"type": "create_task", "assignee": f"user:{rep.pk}", "title": "看看", "due_in_hours": 2}],
        ),
    ]

    with translation.override("zh-hans"), django_assert_num_queries(1):
        describer = RuleDescriber(rules)
        held, reopened = describer.sentence(rules[0]), describer.sentence(rules[1])

    assert held.startswith("订单暂停时，若负责人 等于 Li Wang 且 承诺交期 小于 2026年3月1日 且 客户 › 名称 不为空：")
    assert held.endswith("通知finance1「看看 {number}」。")
    assert reopened == "order reopened时：给Li Wang创建任务「看看」，限 2 小时内完成。"


def test_every_verb_a_shipped_rule_names_has_a_label():
    named = {d.get("event_verb") for d in SHIPPED_RULES} | {v for d in SHIPPED_RULES for v in d.get("unless_verbs", [])}
    assert [verb for verb in sorted(named - {None, ""}) if verbs.get(verb) is None] == []
