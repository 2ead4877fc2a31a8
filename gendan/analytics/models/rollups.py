"""Roll-ups: what a metric's part adds up to per day and owner, kept so that a year of a million orders is a few
thousand rows to add (gendan.analytics.rollups says how they are kept right)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce


class DailyFigure(models.Model):
    """A part's figure for one company day and one owner (the owner its scope and its owner grouping read)."""

    part = models.CharField(max_length=80)
    day = models.DateField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    # The part's numerator in the column of its kind (Rollup.column): a sum of money, a count, or a sum of durations
    # (a cycle time's days); a ratio's denominator beside it.
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    count = models.BigIntegerField(default=0)
    duration = models.DurationField(null=True, blank=True)
    denominator = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [
            # Records without an owner (a customer in the public pool) make one row of their own per day.
            models.UniqueConstraint("part", "day", Coalesce("owner", 0), name="daily_figure_unique"),
        ]
        indexes = [
            # Every read: a part over a period, everyone's (an executive) or some owners' (a rep, a team).
            models.Index(
                fields=["part", "day", "owner"],
                include=["amount", "count", "duration", "denominator"],
                name="daily_figure_read_idx",
            ),
        ]

    def __str__(self):
        return f"{self.part} {self.day} {self.owner_id}"


class RollupState(models.Model):
    """Whether a part's figures are built, and in which time zone their days were counted. Its row is also the lock
    that makes recounts take turns."""

    part = models.CharField(max_length=80, unique=True)
    built_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return self.part


class StaleRecord(models.Model):
    """A record an event was about (or its root), written with the event: the days of every part it touches are
    recounted before figures are read again."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()

    def __str__(self):
        return f"{self.content_type_id}:{self.object_id}"
