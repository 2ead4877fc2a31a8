import datetime
from contextlib import contextmanager
from unittest import mock


@contextmanager
def at(moment: datetime.datetime):
    """The services stamp "now"; replaying the past two months means telling them when now is."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield
