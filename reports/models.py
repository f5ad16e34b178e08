"""Daily summary tables of the dashboard (see the package docstring); rows are written only by
reports.services."""

from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class SummaryMarker(models.Model):
    """One row: the last local day whose figures are in the summary tables (None: none yet)."""

    through = models.DateField(_("diringkas sampai"), null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("penanda ringkasan")


def month_last_day(day: date) -> date:
    """The last day of `day`'s calendar month."""
    following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return following - timedelta(days=1)


def _month_flag() -> models.BooleanField:
    # True: the row sums a whole calendar month (its `day` is the 1st), written once the month is
    # over and summarised; a range reads month rows for its whole months and day rows for the rest
    return models.BooleanField(default=False)


def _fk(model: str, **extra) -> models.ForeignKey:
    # a summary never holds back a delete of its dimension and needs no index of its own
    return models.ForeignKey(
        model, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", **extra
    )


class TypeDay(models.Model):
    """Per local day and document type: received that day (and of those, sent back for revision at
    least once so far), and finished (ready) that day. ~20 rows a day: read by day, no month rows."""

    day = models.DateField()
    bidang = models.CharField(max_length=10)
    document_type = _fk("applications.DocumentType")
    intake = models.PositiveIntegerField(default=0)
    revised = models.PositiveIntegerField(default=0)
    finished = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "document_type"], name="typeday_unique")]
        indexes = [models.Index(fields=["bidang", "day"], name="typeday_bidang_day_idx")]


class TurnaroundDay(models.Model):
    """Per ready day and document type: how many took `days` whole days, within the service level or not."""

    day = models.DateField()
    month = _month_flag()
    bidang = models.CharField(max_length=10)
    document_type = _fk("applications.DocumentType")
    days = models.IntegerField()
    within = models.BooleanField()
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="turnday_day_idx"),
            models.Index(fields=["bidang", "day"], name="turnday_bidang_day_idx"),
        ]


class OfficerDay(models.Model):
    """Per ready day, document type and officer holding the application: finished that day."""

    day = models.DateField()
    month = _month_flag()
    bidang = models.CharField(max_length=10)
    document_type = _fk("applications.DocumentType")
    assigned_to = _fk("accounts.User", null=True)
    finished = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="officerday_day_idx"),
            models.Index(fields=["bidang", "day"], name="officerday_bidang_day_idx"),
        ]


class DesaDay(models.Model):
    """Per created day, bidang and desa: received that day."""

    day = models.DateField()
    month = _month_flag()
    bidang = models.CharField(max_length=10)
    desa = _fk("routing.Desa")
    intake = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="desaday_day_idx"),
            models.Index(fields=["bidang", "day"], name="desaday_bidang_day_idx"),
        ]
