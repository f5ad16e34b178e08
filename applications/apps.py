from django.apps import AppConfig
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Permohonan dan layanan"

    def ready(self):
        post_migrate.connect(_open_work_clock_ensure, sender=self)


def _open_work_clock_ensure(sender, apps=None, using="default", **kwargs):
    """The open-work clock row the tally triggers read (migration 0008 writes it; `flush`, which
    empties every table and then sends post_migrate, does not): without it the triggers count
    nothing, so a missing row is written again, and the tallies recounted if applications exist.
    Nothing while the tallies' migrations are not applied (`apps` is the migrated state: a partial
    `migrate`, or one back to before 0009)."""
    try:
        for name in ("OpenWorkClock", "OpenWorkTally", "MissingTally"):
            (apps or django_apps).get_model("applications", name)
    except LookupError:
        return
    from .open_work import open_work_clock_ensure

    open_work_clock_ensure(using=using)
