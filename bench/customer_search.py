"""Customer search as staff type it, with 1,000,000 stored phone numbers on PostgreSQL.

What the customer list does for one query (crm.search: the matching customers, counted, the first
page of 25 and why each matched) for the last 4 digits of a number, its last 7 digits, part of a
customer's name and part of a contact's name. Uses the phone-matching dataset (created on a fresh
machine) plus customers and contacts with distinct names, added once, so a name query finds a few
records rather than a tenth of the table.
"""

import random
import time

from django.core.paginator import Paginator
from django.db import connection

from bench import Result, benchmark, median, percentile
from bench.phone_matching import ACTIVE_SAMPLE_SQL, ENTITY_A, TOTAL_NUMBERS, ensure_dataset

QUERIES_PER_KIND = 300
TARGET_P50_MS = 20.0
NAMED_RECORDS = 5_000
NAMED_TITLE = "bench-search-v2"
SEED = 20261129
SYLLABLES = [
    "ka",
    "lo",
    "mir",
    "ven",
    "dra",
    "sel",
    "tor",
    "bu",
    "ni",
    "qua",
    "rex",
    "fin",
    "gal",
    "hu",
    "jo",
]


def _surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(4)).capitalize()


def ensure_named_records(entity_id: int) -> tuple[list[str], list[str]]:
    """Customers and contacts with distinct names (added once), and those names."""
    from crm.models import Contact, Customer

    customers = Customer.objects.filter(entity_id=entity_id, terms=NAMED_TITLE)
    if customers.count() != NAMED_RECORDS:
        Customer.objects.filter(entity_id=entity_id, terms__startswith="bench-search").delete()  # any version
        rng = random.Random(SEED - 1)
        trades = ["Foods", "Logistics", "Dental", "Motors", "Studio"]
        Customer.objects.bulk_create(
            Customer(
                entity_id=entity_id,
                name=f"{_surname(rng)} {rng.choice(trades)}",
                account_number=f"N-{index:05d}",
                terms=NAMED_TITLE,
            )
            for index in range(NAMED_RECORDS)
        )
    contacts = Contact.objects.filter(entity_id=entity_id, title=NAMED_TITLE)
    if contacts.count() != NAMED_RECORDS:
        contacts.delete()
        rng = random.Random(SEED)
        active = Customer.objects.filter(entity_id=entity_id, is_active=True)
        customer_ids = list(active.values_list("pk", flat=True)[:50_000])
        Contact.objects.bulk_create(
            Contact(
                entity_id=entity_id,
                customer_id=rng.choice(customer_ids),
                first_name=rng.choice(["Ana", "Ben", "Chloé", "Dev", "Eun-ji"]),
                last_name=_surname(rng),
                title=NAMED_TITLE,
            )
            for _ in range(NAMED_RECORDS)
        )
    with connection.cursor() as cursor:
        # VACUUM, not only ANALYZE: it moves the new names out of the trigram indexes' pending
        # lists, which every search would otherwise scan.
        cursor.execute("VACUUM ANALYZE crm_customer, crm_contact")
    names = list(customers.values_list("name", flat=True))
    return names, list(contacts.values_list("last_name", flat=True))


def queries(entity_id: int, names: list[str], surnames: list[str]) -> dict[str, list[str]]:
    rng = random.Random(SEED + 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.29)")
        cursor.execute(ACTIVE_SAMPLE_SQL, [entity_id, QUERIES_PER_KIND])  # numbers of active records
        numbers = [e164 for (e164,) in cursor.fetchall()]
    return {
        "last 4 digits": [n[-4:] for n in numbers],
        "last 7 digits": [f"{n[-7:-4]}-{n[-4:]}" for n in numbers],
        "customer name": [rng.choice(names)[: rng.randint(5, 9)].lower() for _ in range(QUERIES_PER_KIND)],
        "contact name": [rng.choice(surnames)[: rng.randint(5, 8)].lower() for _ in range(QUERIES_PER_KIND)],
    }


def one_search(entity, query: str) -> int:
    """What the customer list view does: the matching ids, the first page, why each matched."""
    from crm.models import Customer
    from crm.search import matching_customer_ids, why_matched

    page = Paginator(matching_customer_ids(entity=entity, query=query), 25).get_page(1)
    listed = list(Customer.objects.filter(pk__in=page.object_list))
    why_matched(entity=entity, query=query, customers=listed)
    return page.paginator.count


def time_kind(entity, texts: list[str]) -> tuple[list[float], int]:
    for text in texts[:20]:  # warm-up: plans, caches
        one_search(entity, text)
    samples, empty = [], 0
    for text in texts:
        started = time.perf_counter()
        found = one_search(entity, text)
        samples.append((time.perf_counter() - started) * 1000)
        empty += found == 0
    return samples, empty


@benchmark("customer_search")
def run() -> list[Result]:
    from crm.models import Entity

    entity_ids = ensure_dataset()
    entity = Entity.objects.get(pk=entity_ids[ENTITY_A])
    names, surnames = ensure_named_records(entity.pk)
    results = [Result("stored phone numbers", TOTAL_NUMBERS, "rows")]
    for kind, texts in queries(entity.pk, names, surnames).items():
        print(f"timing search by {kind} over {len(texts)} queries", flush=True)
        samples, empty = time_kind(entity, texts)
        results += [
            Result(f"{kind} p50", median(samples), "ms", target=TARGET_P50_MS),
            Result(f"{kind} p99", percentile(samples, 99), "ms"),
            Result(f"{kind} queries finding nobody", empty, "", target=0),
        ]
    return results
