"""The Celery application. Tasks live in each capability's tasks.py (telephony.connect.tasks, …)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadium.settings")

app = Celery("arcadium")
app.config_from_object("django.conf:settings", namespace="CELERY")
# autodiscover_tasks() looks for `<package>.tasks`; telephony's tasks are per sub-package.
TASK_PACKAGES = [
    "crm",
    "callreports",
    "telephony.connect",
    "telephony.ingest",
    "telephony.wizard",
    "telephony.history",
]
app.autodiscover_tasks(TASK_PACKAGES)
