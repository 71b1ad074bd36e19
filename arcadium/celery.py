"""The Celery application. Tasks live in each capability's tasks.py (telephony.connect.tasks, …)."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready

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


@worker_ready.connect
def catch_up_on_worker_start(sender: Any, **kwargs: Any) -> None:
    """Subscriptions and live calls may have changed while no worker ran: check them once now."""
    sender.app.send_task("telephony.connect.tasks.check_subscriptions_task")
    sender.app.send_task("telephony.ingest.tasks.reconcile_live_calls_task")
