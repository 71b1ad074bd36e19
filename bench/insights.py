"""Call insights with 100,000 calls on one company: server time per page (the team page and a
busy customer's Insights tab), through Django's test client like bench_calls_tab.

The history spans a year (about a quarter of it inside the 12-week window): 2,000 customers,
ring groups (one call, several rows), missed calls with their callback attempts and items, most
of them reached by a colleague. Written with bulk inserts once and reused by later runs.
"""

import random
import time
from datetime import timedelta

from django.core.management import call_command

from bench import Result, benchmark, median, percentile

CALLS = 100_000
ENTITY_NAME = "Bench Insights v1"
SAMPLES = 40


def _numbers(count: int) -> list[str]:
    return [f"+1212555{n:04d}" for n in range(count)]


def _dataset():
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from crm.models import Customer, Entity, PhoneNumber, Resource
    from telephony.callbacks.models import CallbackAttempt, CallbackItem
    from telephony.models import Call

    call_command("migrate", verbosity=0)
    entity, _ = Entity.objects.get_or_create(name=ENTITY_NAME)
    User = get_user_model()
    staff = []
    for n in range(12):
        user, _ = User.objects.get_or_create(username=f"bench-insights-{n}")
        resource, _ = Resource.objects.get_or_create(
            user=user, defaults={"entity": entity, "display_name": f"Staff {n}"}
        )
        staff.append(resource)
    numbers = _numbers(2000)
    if Call.objects.filter(entity=entity).count() == CALLS:
        busiest = Customer.objects.filter(entity=entity).order_by("account_number").first()
        return staff[0].user, busiest
    CallbackAttempt.objects.filter(entity=entity).delete()
    CallbackItem.objects.filter(entity=entity).delete()
    Call.objects.filter(entity=entity).delete()
    PhoneNumber.objects.filter(entity=entity).delete()
    Customer.objects.filter(entity=entity).delete()
    customers = Customer.objects.bulk_create(
        Customer(entity=entity, name=f"Bench customer {n}", account_number=f"BI-{n:05d}")
        for n in range(len(numbers))
    )
    PhoneNumber.objects.bulk_create(
        PhoneNumber(entity=entity, customer=c, raw=number, e164=number, label="main")
        for c, number in zip(customers, numbers, strict=True)
    )
    rng, now = random.Random(16), timezone.now()
    calls, missed = [], []
    session = 0
    while len(calls) < CALLS:
        session += 1
        index = min(int(rng.paretovariate(1.2)) - 1, len(numbers) - 1)  # a few busy customers
        number, customer = numbers[index], customers[index]
        at = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        inbound = rng.random() < 0.7
        rang = rng.sample(staff, rng.choice((1, 1, 1, 2, 3)))
        answered_by = rng.choice(rang) if not inbound or rng.random() < 0.8 else None
        tsid = f"s-bench-{session}"
        for resource in rang:
            answered = resource == answered_by
            calls.append(
                Call(
                    entity=entity,
                    resource=resource,
                    customer=customer,
                    telephony_session_id=tsid,
                    extension_id=str(resource.pk),
                    direction="inbound" if inbound else "outbound",
                    state="ended" if answered or not inbound else "missed",
                    result="Accepted" if answered else "Missed",
                    from_number=number if inbound else "+16505550101",
                    to_number="+16505550101" if inbound else number,
                    started_at=at,
                    answered_at=at + timedelta(seconds=15) if answered else None,
                    ended_at=at + timedelta(minutes=4),
                )
            )
        if inbound and answered_by is None:
            missed.append((number, customer, at, tsid, [r.display_name for r in rang]))
    Call.objects.bulk_create(calls[:CALLS], batch_size=5000)
    _attempts(entity, missed, staff, rng)
    with connection.cursor() as cursor:
        # As autovacuum would after a bulk load: statistics, and the visibility map that lets the
        # insights index answer alone.
        for table in ("telephony_call", "callbacks_callbackitem", "callbacks_callbackattempt"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return staff[0].user, customers[0]


def _attempts(entity, missed, staff, rng):
    from telephony.callbacks.models import CallbackAttempt, CallbackItem

    items, attempts = [], []
    for number, customer, at, tsid, rang in sorted(missed, key=lambda m: (m[0], m[2])):
        item = (
            items[-1] if items and items[-1][0].number == number and items[-1][0].closed_at is None else None
        )
        if item is None or at - item[0].last_attempt_at > timedelta(hours=6):
            if item is not None:
                _close(item[0], staff, rng, may_stay_open=False)
            row = CallbackItem(
                entity=entity,
                number=number,
                customer=customer,
                first_attempt_at=at,
                last_attempt_at=at,
                due_at=at + timedelta(hours=2),
                attempt_count=0,
                status="open",
            )
            items.append((row, []))
            item = items[-1]
        item[0].last_attempt_at, item[0].attempt_count = at, item[0].attempt_count + 1
        item[1].append(CallbackAttempt(entity=entity, session_key=tsid, at=at, rang=rang))
    for row, _ in items:
        if row.closed_at is None:
            _close(row, staff, rng, may_stay_open=True)
    saved = CallbackItem.objects.bulk_create([row for row, _ in items], batch_size=5000)
    for row, its in zip(saved, (a for _, a in items), strict=True):
        for attempt in its:
            attempt.item = row
            attempts.append(attempt)
    CallbackAttempt.objects.bulk_create(attempts, batch_size=5000)


def _close(row, staff, rng, *, may_stay_open: bool):
    # Only a number's newest item may still be open (one open item per number).
    if rng.random() < 0.75:
        row.status, row.close_reason = "closed", "reached"
        row.closed_at = row.last_attempt_at + timedelta(minutes=rng.expovariate(1 / 90))
        row.closed_by = rng.choice(staff)
    elif not may_stay_open or rng.random() < 0.5:
        row.status, row.close_reason, row.closed_at = (
            "closed",
            "not_needed",
            row.last_attempt_at + timedelta(hours=1),
        )


@benchmark("insights")
def run() -> list[Result]:
    from django.conf import settings
    from django.test.utils import override_settings

    user, customer = _dataset()
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], STORAGES=storages):
        return _measure(user, customer)


def _measure(user, customer) -> list[Result]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    results = []
    for label, url in (
        ("team page", "/calls/insights/"),
        ("account tab", f"/customers/{customer.pk}/insights/"),
    ):
        samples = []
        for _ in range(SAMPLES):
            started = time.perf_counter()
            response = client.get(url, secure=True)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        samples = samples[5:]  # warm-up
        results += [
            Result(f"{label} p50", median(samples), "ms", 100),
            Result(f"{label} p95", percentile(samples, 95), "ms"),
        ]
    return results
