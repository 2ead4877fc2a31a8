"""The queue on Redis (REDIS_URL): a committed event travels through Redis to the worker and is delivered once.

Runs against the Redis on 127.0.0.1:6379 when one answers (it does on the project's machines
and in CI); skipped elsewhere.
"""

import pytest
from django.db import transaction
from huey import RedisHuey
from huey.contrib.djhuey import HUEY

from gendan.automation.models import DeliveryStatus, EventDelivery
from gendan.core.models import Event
from gendan.crm.services import customer_create

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_queue(monkeypatch):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    # The storage RedisHuey builds from REDIS_URL, under a name of its own so a test never
    # meets another run's jobs; tasks stay bound to the project's Huey instance.
    storage = RedisHuey(f"gendan-test-{id(monkeypatch)}", url=REDIS_URL).storage
    # Immediate mode first: switching it off puts back the storage Huey had before.
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "storage", storage)
    storage.flush_all()
    yield storage
    storage.flush_all()


@pytest.mark.django_db(transaction=True)
def test_a_committed_event_goes_through_redis_to_the_worker(personas, redis_queue):
    # given: a customer created in one committed transaction
    with transaction.atomic():
        customer_create(actor=personas["rep1"], name="宁波港湾贸易有限公司")
    event = Event.objects.get(verb="customer.created")

    # then the hand-over is waiting in Redis, not done yet
    assert redis_queue.queue_size() == 1
    assert not EventDelivery.objects.filter(event=event).exists()

    # when a worker takes the job and runs it
    HUEY.execute(HUEY.dequeue())

    # then every subscriber had the event, once
    assert redis_queue.queue_size() == 0
    assert sorted(EventDelivery.objects.filter(event=event).values_list("subscriber", "status")) == [
        ("rules", DeliveryStatus.SENT),
        ("webhooks", DeliveryStatus.SENT),
    ]
