"""The customer account's Calls tab with 100,000 calls on one account: server time per page.

Requests go through Django's test client (the whole middleware, view and template stack, no
network), as the user of the account's entity; pages are the newest, older pages by cursor and
filtered pages.
"""

import random
import time
from datetime import timedelta

from django.core.management import call_command

from bench import Result, benchmark, median, percentile

CALLS = 100_000
ENTITY_NAME = "Bench Calls Tab v1"
SAMPLES = 200


def _dataset():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from crm.models import Customer, Entity, Resource
    from telephony.models import Call

    call_command("migrate", verbosity=0)
    entity, _ = Entity.objects.get_or_create(name=ENTITY_NAME)
    customer, _ = Customer.objects.get_or_create(
        entity=entity, account_number="CT-1", defaults={"name": "Busy Account Inc."}
    )
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-calls-tab")
    staff, _ = Resource.objects.get_or_create(user=user, defaults={"entity": entity, "display_name": "Bench"})
    if Call.objects.filter(entity=entity, customer=customer).count() != CALLS:
        Call.objects.filter(entity=entity).delete()
        rng, now = random.Random(7), timezone.now()
        rows = []
        for index in range(CALLS):
            inbound = rng.random() < 0.6
            rows.append(
                Call(
                    entity=entity,
                    customer=customer,
                    resource=staff if index % 3 else None,
                    call_log_id=f"bench-{index}",
                    direction="inbound" if inbound else "outbound",
                    state="ended",
                    from_number="+12125550100" if inbound else "+16505550101",
                    to_number="+16505550101" if inbound else "+12125550100",
                    started_at=now - timedelta(seconds=rng.uniform(0, 365 * 86400)),
                    duration_seconds=rng.randint(5, 900),
                    result="Accepted",
                    recording_id=str(index) if rng.random() < 0.2 else "",
                )
            )
        Call.objects.bulk_create(rows, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE telephony_call")
    return customer, user, staff


@benchmark("calls_tab")
def run() -> list[Result]:
    from django.conf import settings
    from django.test.utils import override_settings

    customer, user, staff = _dataset()
    # No collectstatic for a benchmark: serve static names as they are (no manifest lookups).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], STORAGES=storages):
        return _measure(customer, user, staff)


def _measure(customer, user, staff) -> list[Result]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    url = f"/customers/{customer.pk}/calls/"
    samples, cpu, cursor = [], [], ""
    variants = ["", "direction=inbound", "recording=on", f"resource={staff.pk}", "date_from=2026-01-01"]
    for index in range(SAMPLES):
        query = variants[index % len(variants)]
        if index % 2 and cursor:
            query = f"{query}&before={cursor}" if query else f"before={cursor}"
        headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "calls-results"} if index % 4 == 3 else {}
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(f"{url}?{query}", secure=True, **headers)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}?{query} answered {response.status_code}")
        marker = b'rel="next"'
        if marker in response.content and not cursor:
            html = response.content.decode()
            cursor = html.split("before=")[1].split('"')[0].split("&")[0]
    samples, cpu = samples[10:], cpu[10:]  # warm-up
    return [
        Result("server time p50 per page", median(samples), "ms", 30),
        Result("server time p95 per page", percentile(samples, 95), "ms"),
        # On a shared, overloaded machine wall time mostly measures waiting for a CPU; the web
        # process's own CPU time per page (database time excluded) is the load-independent part.
        Result("web process CPU time p50 per page", median(cpu), "ms"),
    ]
