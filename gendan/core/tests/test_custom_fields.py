"""Custom fields: the one check of their values, and the services that set them up (the configuration's audit)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from gendan.core.custom_fields import changes, clean_custom_values, display, fields_of, people_named
from gendan.core.errors import ApplicationError
from gendan.core.models import CustomField, Event
from gendan.core.services_custom_fields import custom_field_create, custom_field_set_active, custom_field_update

pytestmark = pytest.mark.django_db


def field(key, kind, **extra):
    return CustomField(record_type="crm.customer", key=key, label=key.title(), kind=kind, **extra)


TIER = field("tier", "choice", choices=["gold", "silver"])
SEATS = field("seats", "number")
RENEWAL = field("renewal", "date")
PARTNER = field("partner", "person")
MOTTO = field("motto", "text")


@pytest.mark.parametrize(
    ("one", "value", "stored"),
    [
        (MOTTO, "  Always be shipping ", "Always be shipping"),
        (SEATS, "12.50", "12.5"),
        (SEATS, 7, "7"),
        (SEATS, "-0.0001", "-0.0001"),
        (SEATS, "0.000", "0"),
        (RENEWAL, "2027-03-01", "2027-03-01"),
        (RENEWAL, datetime.date(2027, 3, 1), "2027-03-01"),
        (TIER, "gold", "gold"),
    ],
)
def test_a_good_value_is_stored_in_its_plain_form(one, value, stored):
    values, errors = clean_custom_values([one], {one.key: value})
    assert (values, errors) == ({one.key: stored}, {})


@pytest.mark.parametrize(
    ("one", "value", "message"),
    [
        (MOTTO, 5, "Enter text."),
        (MOTTO, "x" * 1001, "Enter at most 1000 characters."),
        (SEATS, "many", "Enter a number."),
        (SEATS, True, "Enter a number."),
        (SEATS, "NaN", "Enter a number."),
        (SEATS, "1000000000000", "Enter a number with at most 12 digits before the decimal point and 4 after it."),
        (SEATS, "1.00001", "Enter a number with at most 12 digits before the decimal point and 4 after it."),
        (RENEWAL, "01/03/2027", "Enter a date as YYYY-MM-DD."),
        (RENEWAL, "1800-01-01", "Enter a date between 1900-01-01 and 2999-12-31."),
        (RENEWAL, 20270301, "Enter a date."),
        (TIER, "bronze", "Choose one of: gold, silver."),
        (TIER, ["gold"], "Choose one of: gold, silver."),
        (PARTNER, "someone", "Choose a person."),
        (PARTNER, 2**63, "Choose a person."),
        (PARTNER, True, "Choose a person."),
    ],
)
def test_a_bad_value_is_an_error_on_its_key(english, one, value, message):
    values, errors = clean_custom_values([one], {one.key: value}, current={})
    assert errors == {f"custom_fields.{one.key}": [message]}
    assert values == {}


def test_a_person_must_be_an_active_user(english, personas):
    personas["rep2"].is_active = False
    personas["rep2"].save()

    values, errors = clean_custom_values([PARTNER], {"partner": personas["rep2"].pk}, current={})
    assert errors == {"custom_fields.partner": ["Choose an active user."]}

    values, errors = clean_custom_values([PARTNER], {"partner": str(personas["rep1"].pk)}, current={})
    assert (values, errors) == ({"partner": personas["rep1"].pk}, {})


def test_required_is_enforced_on_create_and_whenever_the_field_is_sent(english):
    required = field("region_code", "text", required=True)

    assert clean_custom_values([required], {})[1] == {"custom_fields.region_code": ["This field is required."]}
    assert clean_custom_values([required], {"region_code": " "}, current={"region_code": "E"})[1] == {
        "custom_fields.region_code": ["This field is required."]
    }
    # An update that leaves it out keeps what the record has (a record older than the field may have nothing).
    assert clean_custom_values([required], {}, current={}) == ({}, {})


def test_only_the_keys_sent_change_and_an_empty_value_clears(english):
    current = {"tier": "gold", "seats": "3", "retired": "kept"}

    values, errors = clean_custom_values([TIER, SEATS], {"seats": None}, current=current)

    assert errors == {}
    assert values == {"tier": "gold", "retired": "kept"}
    assert changes(current, values) == {"custom_fields.seats": ["3", None]}


def test_an_unknown_key_and_a_non_object_are_refused(english):
    assert clean_custom_values([TIER], {"colour": "red"}, current={})[1] == {
        "custom_fields.colour": ["No such custom field on this record."]
    }
    assert clean_custom_values([TIER], ["gold"], current={})[1] == {
        "custom_fields": ["Send an object of custom field keys and values."]
    }


def test_values_read_formatted_with_people_named_in_one_query(personas, django_assert_num_queries):
    class Record:
        custom_fields = {"partner": personas["rep1"].pk, "seats": "1234.5", "renewal": "2027-03-01"}

    with django_assert_num_queries(1):
        people = people_named([PARTNER, SEATS], [Record, Record])
    assert display(PARTNER, personas["rep1"].pk, people) == "rep1"
    assert display(SEATS, "1234.5", people) == "1,234.5"
    assert display(RENEWAL, "2027-03-01", people) == "2027-03-01"
    with django_assert_num_queries(0):
        assert people_named([SEATS], [Record]) == {}


# --- setting them up ---------------------------------------------------------------------------


def test_an_administrator_adds_changes_and_deactivates_a_field_each_an_event(personas):
    admin = personas["admin"]

    tier = custom_field_create(
        actor=admin, record_type="crm.customer", key="tier", label=" Tier ", kind="choice", choices=["gold", " silver"]
    )
    custom_field_update(field=tier, actor=admin, label="Customer tier", choices=["gold", "silver", "bronze"])
    custom_field_set_active(field=tier, actor=admin, active=False)
    custom_field_set_active(field=tier, actor=admin, active=False)

    tier.refresh_from_db()
    assert (tier.label, tier.choices, tier.active) == ("Customer tier", ["gold", "silver", "bronze"], False)
    assert fields_of("crm.customer") == []
    log = list(Event.objects.order_by("id").values_list("verb", "changes"))
    assert log == [
        ("custom_field.created", {}),
        (
            "custom_field.updated",
            {"label": ["Tier", "Customer tier"], "choices": [["gold", "silver"], ["gold", "silver", "bronze"]]},
        ),
        ("custom_field.deactivated", {"active": [True, False]}),
    ]


def test_a_bad_definition_is_refused_field_by_field_and_writes_nothing(english, personas):
    with pytest.raises(ValidationError) as refused:
        custom_field_create(
            actor=personas["admin"], record_type="crm.lead", key="Tier!", label="", kind="choice", choices=["a", "a"]
        )

    assert refused.value.message_dict == {
        "record_type": ["Choose a record type."],
        "key": ["A key starts with a lower-case letter, then up to 39 lower-case letters, digits or underscores."],
        "label": ["Give the field a label."],
        "choices": ["Each choice once."],
    }
    assert not CustomField.objects.exists()
    assert not Event.objects.exists()


def test_a_key_is_unique_per_record_type(english, personas):
    admin = personas["admin"]
    custom_field_create(actor=admin, record_type="crm.customer", key="tier", label="Tier", kind="text")
    custom_field_create(actor=admin, record_type="sales.order", key="tier", label="Tier", kind="text")

    with pytest.raises(ValidationError) as refused:
        custom_field_create(actor=admin, record_type="crm.customer", key="tier", label="Tier", kind="number")
    assert refused.value.message_dict == {"key": ["This record type already has a field with this key."]}


def test_only_administrators_set_up_fields(personas):
    with pytest.raises(ApplicationError):
        custom_field_create(actor=personas["manager1"], record_type="crm.customer", key="t", label="T", kind="text")
    assert not CustomField.objects.exists()
