"""Personas shared by every test: one user per role, two reps in one team, a rep in another team.

Alice (rep1) and Bob (rep2) sell in East team; Carol (rep3) sells in North team; Mia
(manager1) leads the sales department above both teams.
"""

import os

import pytest

os.environ.setdefault("HUEY_IMMEDIATE", "true")


def pytest_configure(config):
    # pytest-django sets Django up before this file is imported, so settings.HUEY was built
    # without the variable above; switch the Huey instance itself to immediate mode.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 costs ~0.2 s per password on purpose; eleven personas per test would dominate the suite.

    Tests of hashing itself put settings.PASSWORD_HASHERS back (gendan/accounts/tests/test_auth.py).
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def webhooks_reach_loopback(settings):
    """The tests' webhook receivers listen on 127.0.0.1, which production refuses; tests of the refusal switch
    it back (gendan/automation/tests/test_webhook_addresses.py)."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


@pytest.fixture(autouse=True)
def fresh_numbering_patterns():
    """Numbering patterns are cached per process; a rolled-back test must not leave its own behind."""
    from gendan.core.numbering import forget_patterns

    forget_patterns()


@pytest.fixture(autouse=True)
def empty_cache(settings):
    """Counts kept in the cache (the stalled review's) by one test must not answer another's: each test
    has its own, in the memory of its process (the test processes share one var directory)."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request in an earlier test must not leak its own."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def english(settings):
    """Messages in the source language, for tests that assert their exact wording (pages too)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def personas(db):
    from gendan.accounts.models import Department, User
    from gendan.accounts.roles import Role

    sales = Department.objects.create(name="Sales")
    east = Department.objects.create(name="East", parent=sales)
    north = Department.objects.create(name="North", parent=sales)
    ops = Department.objects.create(name="Operations")

    def make(username, role, department):
        return User.objects.create_user(
            username=username, password="pw-" + username, role=role, department=department, first_name=username
        )

    people = {
        "rep1": make("rep1", Role.SALES_REP, east),
        "rep2": make("rep2", Role.SALES_REP, east),
        "rep3": make("rep3", Role.SALES_REP, north),
        "manager1": make("manager1", Role.SALES_MANAGER, sales),
        "follower1": make("follower1", Role.ORDER_FOLLOWER, east),
        "warehouse1": make("warehouse1", Role.WAREHOUSE, ops),
        "logistics1": make("logistics1", Role.LOGISTICS, ops),
        "finance1": make("finance1", Role.FINANCE, ops),
        "service1": make("service1", Role.AFTER_SALES, ops),
        "boss1": make("boss1", Role.EXECUTIVE, None),
        "admin": make("admin", Role.ADMIN, None),
    }
    sales.leader = people["manager1"]
    sales.save()
    return people
