"""The demo's customer relationship after `make run`: what rep1 finds once the worker has run the rules."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from gendan.accounts.models import User
from gendan.automation.models import Notification, Rule, Task
from gendan.automation.rules.scanning import scan_due_checks
from gendan.automation.shipped_rules import install
from gendan.crm.models import Customer, FollowUp, Meeting
from gendan.demo.company import PASSWORD_ENV

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv(PASSWORD_ENV, "demo-pass")
    install(Rule)  # there from the migration, unless a flushing test ran before
    # The worker's part: every committed event through the rules, then one scan.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data", "--history-months=0", stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        scan_due_checks()
    return {u.username: u for u in User.objects.all()}


def test_the_demo_customer_relationship_after_the_worker_ran(demo, client):
    """One load (it takes a while) checked part by part."""
    follow_ups_and_meetings(demo)
    contracts_ending_soon(demo)
    the_funnel(demo)
    each_role_starts_from_its_work(demo, client)


def each_role_starts_from_its_work(demo, client):
    """Each demo role's first page shows its worklists as links, and each has something in it to do."""
    for username in ("rep1", "manager1", "warehouse1", "logistics1", "finance1", "boss1"):
        client.force_login(demo[username])
        home = client.get("/")
        worklists = home.context["worklists"]
        assert worklists, username
        assert sum(count for _worklist, count in worklists) > 0, username
        for worklist, _count in worklists:
            assert f'href="{worklist.url}"' in home.content.decode()
            assert client.get(worklist.url).status_code == 200, (username, worklist.key)


def follow_ups_and_meetings(demo):
    rep1 = demo["rep1"]
    now = timezone.now()

    # Every customer was called within its first day, so none is left "not contacted".
    assert not Task.objects.filter(rule__system_key="customer_not_contacted_24h").exists()
    assert FollowUp.objects.filter(customer__owner=rep1).count() >= 30
    assert not Customer.objects.filter(last_followed_up_at__isnull=True).exists()

    # Two of each rep's customers went quiet more than 30 days ago: a task each for their owner.
    quiet = Task.objects.filter(rule__system_key="customer_no_followup_30d")
    assert sorted(quiet.values_list("assignee__username", flat=True)) == [
        "rep1",
        "rep1",
        "rep2",
        "rep2",
        "rep3",
        "rep3",
    ]
    assert all(t.due_at < now for t in quiet)

    # Next follow-up dates became tasks for the owners, some of them already due.
    asked = Task.objects.filter(source="person", assignee=rep1, title__startswith="跟进客户")
    assert asked.exists()

    # A meeting within the hour (reminded already), one tomorrow, one held, one cancelled.
    meetings = Meeting.objects.filter(owner=rep1)
    assert sorted(meetings.values_list("status", flat=True)) == ["cancelled", "held", "planned", "planned"]
    soon = meetings.filter(status="planned").order_by("starts_at").first()
    assert now < soon.starts_at <= now + timezone.timedelta(hours=1)
    # By type as well as id: a task or customer may share the meeting's id.
    reminder = Notification.objects.get(
        kind="rule", recipient=rep1, content_type=ContentType.objects.get_for_model(Meeting), object_id=soon.pk
    )
    assert reminder.title.startswith("1 小时后与")
    assert meetings.get(status="held").followup.kind == "meeting"


def contracts_ending_soon(demo):
    from gendan.crm.models import Contract

    def fired(key):
        rule = Rule.objects.get(system_key=key)
        tasks = Task.objects.filter(rule=rule).values_list("assignee__username", flat=True)
        notices = Notification.objects.filter(dedupe_key__startswith=f"rule:{rule.pk}:").values_list(
            "recipient__username", flat=True
        )
        return sorted([*tasks, *notices])

    assert fired("contract_expiring_60d") == ["rep1", "rep1", "rep1", "rep2", "rep3"]
    assert fired("contract_expiring_30d") == ["rep1", "rep1", "rep2"]
    assert fired("contract_expiring_7d") == ["rep1"]
    statuses = sorted(Contract.objects.filter(owner=demo["rep1"]).values_list("status", flat=True))
    assert statuses == ["active", "active", "active", "active", "draft", "expired"]
    assert Contract.objects.filter(status="terminated").count() == 1


def the_funnel(demo):
    from collections import Counter

    from gendan.crm.models import Lead, Opportunity

    stages = Counter(Opportunity.objects.filter(owner=demo["rep1"]).values_list("stage", flat=True))
    assert stages == {"lead": 1, "first_visit": 1, "proposal": 1, "quote": 1, "negotiation": 1, "won": 1, "lost": 1}
    assert Opportunity.objects.exclude(lost_reason="").count() == Opportunity.objects.filter(stage="lost").count() == 2
    assert Counter(Lead.objects.values_list("status", flat=True)) == {
        "new": 4,
        "contacted": 2,
        "converted": 1,
        "disqualified": 1,
    }
    # Entered 50 and 30 hours ago and never called: their owners have a task; the recent ones not yet.
    tasks = Task.objects.filter(rule__system_key="lead_not_contacted_24h")
    assert sorted(tasks.values_list("assignee__username", flat=True)) == ["rep1", "rep2"]
