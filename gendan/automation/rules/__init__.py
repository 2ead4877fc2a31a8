"""Rules configured without code: what triggers them, whom they tell, and the scan that runs them.

Three triggers:
- EVENT: when an event with the rule's verb happens to a record of the rule's type (the
  event's object, or the record it belongs to), the conditions are checked and the actions run.
- AFTER_EVENT: the same event writes a ScheduledCheck due some (business) hours later; when
  it is due, the scan acts unless one of `unless_verbs` happened to the record since.
- DATE: every event on a record (re)schedules a check at the record's date field + offset;
  the date's value is the occasion, so a changed date schedules anew and the old check lapses.

Every firing is a RuleFiring row (unique per rule, record and occasion) written in the same
transaction as the actions, and every task or notice carries a dedupe key: a rule acts at
most once per record and occasion, whatever runs twice.

The package by what it does:
- validation: a rule's fields checked (clean_rule); services: rule create, update, switch on/off;
- matching: an event meets the rules it concerns (handle_event, through the outbox);
- scheduling: the appointments time-based rules keep with records (ScheduledCheck), and backfills;
- scanning: the every-minute scan that decides due appointments; actions: what a firing rule does;
- records, timing, recipients, placeholders: what those share; preview: what a rule would hit now.
Import from the module that holds a name: this module re-exports nothing.
"""
