"""The Celery app. Eager (in-process) when no CELERY_BROKER_URL is set, Redis when it is."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dukcapil.settings")

app = Celery("dukcapil")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
