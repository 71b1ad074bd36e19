"""Caller matching with 1,000,000 stored phone numbers on PostgreSQL.

`crm.phones.find_callers()` (normalize, then one indexed equality lookup on (entity, e164) through
the ORM) against the query shape of OCA's `base_phone` as the reference:
`replace(raw, ' ', '') ILIKE '%<last 8 digits>'`, a scan of every stored number.

The dataset (two entities, customers and contacts, numbers typed in mixed real formats) is
written with COPY and kept: later runs reuse it when the row count matches.
"""

import random
import time

import phonenumbers
from django.core.management import call_command
from django.db import connection, transaction
from phonenumbers import PhoneNumberFormat

from bench import Result, benchmark, median, percentile

DATASET_VERSION = 1
ENTITY_A = (f"Bench Phones A v{DATASET_VERSION}", "US")
ENTITY_B = (f"Bench Phones B v{DATASET_VERSION}", "GB")
# (customers, contacts) per entity; customers carry two numbers (main, fax), contacts one.
LAYOUT = {ENTITY_A: (200_000, 500_000), ENTITY_B: (20_000, 60_000)}
TOTAL_NUMBERS = sum(2 * customers + contacts for customers, contacts in LAYOUT.values())
LOOKUPS = 10_000
REFERENCE_LOOKUPS = 200
SEED = 20261122

# Area codes the stored numbers use; misses dial area codes from the second list only.
STORED_AREA_CODES = [
    "201", "202", "203", "205", "206", "212", "213", "214", "215", "216", "303", "305", "310", "312",
    "313", "314", "404", "405", "408", "410", "412", "415", "503", "504", "512", "602", "609", "612",
    "615", "617", "619", "646", "702", "703", "704", "713", "714", "718", "801", "805", "813", "818",
    "904", "905", "914", "916", "917", "919", "925", "949", "954", "972", "973",
]  # fmt: skip
MISS_AREA_CODES = ["207", "208", "301", "302", "401", "402", "501", "502", "601", "606", "802", "907"]
FOREIGN = [  # (country code, national destination code, subscriber digits) as stored by entity A
    ("44", "20", 8),
    ("33", "1", 8),
    ("49", "30", 8),
    ("52", "55", 8),
]


# ---------------------------------------------------------------- numbers as people type them


def _us(rng: random.Random, area_codes: list[str]) -> tuple[str, str, str]:
    """A North American number: (raw as typed, E.164, extension)."""
    npa, nxx, line = rng.choice(area_codes), str(rng.randint(200, 999)), f"{rng.randint(0, 9999):04d}"
    if nxx.endswith("11"):
        nxx = nxx[:2] + "0"
    style = rng.randrange(10)
    extension = str(rng.randint(10, 999)) if style >= 8 else ""
    raw = [
        f"({npa}) {nxx}-{line}",
        f"{npa}-{nxx}-{line}",
        f"{npa}.{nxx}.{line}",
        f"+1 {npa} {nxx} {line}",
        f"1-{npa}-{nxx}-{line}",
        f"{npa}{nxx}{line}",
        f"+1 ({npa}) {nxx}-{line}",
        f"{npa} {nxx} {line}",
        f"({npa}) {nxx}-{line} ext. {extension}",
        f"{npa}-{nxx}-{line} x{extension}",
    ][style]
    return raw, f"+1{npa}{nxx}{line}", extension


def _foreign(rng: random.Random) -> tuple[str, str, str]:
    cc, ndc, length = rng.choice(FOREIGN)
    subscriber = str(rng.randint(2, 9)) + "".join(rng.choices("0123456789", k=length - 1))
    half = length // 2
    spaced = f"{ndc} {subscriber[:half]} {subscriber[half:]}"
    raw = rng.choice(
        [f"+{cc} {spaced}", f"011 {cc} {spaced}", f"+{cc}{ndc}{subscriber}", f"+{cc} ({ndc}) {subscriber}"]
    )
    return raw, f"+{cc}{ndc}{subscriber}", ""


def _british(rng: random.Random) -> tuple[str, str, str]:
    if rng.random() < 0.6:  # London landline 020 xxxx xxxx
        rest = rng.choice("378") + "".join(rng.choices("0123456789", k=7))
        e164, parts = f"+4420{rest}", ("20", rest[:4], rest[4:])
    else:  # mobile 07xxx xxxxxx
        rest = rng.choice("45789") + "".join(rng.choices("0123456789", k=8))
        e164, parts = f"+447{rest}", ("7" + rest[:3], rest[3:], "")
    national = " ".join(p for p in parts if p)
    raw = rng.choice(
        [
            f"0{national}",
            f"+44 {national}",
            f"0044 {national}",
            "0" + "".join(parts),
            f"(0{parts[0]}) {' '.join(parts[1:])}".strip(),
        ]
    )
    return raw, e164, ""


def stored_number(rng: random.Random, region: str) -> tuple[str, str, str]:
    if region == "GB":
        return _british(rng)
    return _foreign(rng) if rng.random() < 0.1 else _us(rng, STORED_AREA_CODES)


def caller_text(rng: random.Random, e164: str, region: str) -> str:
    """How a caller's number may reach find_callers: E.164 from RingCentral, or typed by a person."""
    number = phonenumbers.parse(e164, None)
    home = phonenumbers.region_code_for_number(number) == region
    styles = [PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL]
    styles += [PhoneNumberFormat.NATIONAL] if home else []
    text = phonenumbers.format_number(number, rng.choice(styles))
    if not home and rng.random() < 0.3:
        text = ("011 " if region == "US" else "00") + text.lstrip("+")
    return text


# ---------------------------------------------------------------- dataset


def ensure_database() -> None:
    import psycopg

    params = connection.get_connection_params()
    name = connection.settings_dict["NAME"]
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}")
            admin.execute(f'CREATE DATABASE "{name}"')


def _entity_ids(cursor) -> dict[tuple[str, str], int]:
    ids = {}
    for key in LAYOUT:
        name, region = key
        cursor.execute(
            "INSERT INTO crm_entity (name, default_region) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET default_region = EXCLUDED.default_region RETURNING id",
            [name, region],
        )
        ids[key] = cursor.fetchone()[0]
    return ids


def _stored_count(cursor) -> int:
    cursor.execute(
        "SELECT count(*) FROM crm_phonenumber p JOIN crm_entity e ON e.id = p.entity_id WHERE e.name = ANY(%s)",
        [[name for name, _ in LAYOUT]],
    )
    return cursor.fetchone()[0]


def _clear(cursor, entity_ids: list[int]) -> None:
    for table in ("crm_phonenumber", "crm_contact", "crm_customer"):
        cursor.execute(f"DELETE FROM {table} WHERE entity_id = ANY(%s)", [entity_ids])


def _next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def _generate(cursor, entity_ids: dict) -> None:
    rng = random.Random(SEED)
    raw_cursor = cursor.cursor  # psycopg 3 cursor under Django's wrapper: COPY
    customer_id, contact_id = _next_id(cursor, "crm_customer"), _next_id(cursor, "crm_contact")
    phone_id = _next_id(cursor, "crm_phonenumber")
    first_names = ["Jane", "Omar", "Lucia", "Peter", "Aiko", "Marc", "Sofia", "Grace", "Hugo", "Priya"]
    last_names = ["Smith", "Nguyen", "Garcia", "Okafor", "Müller", "Rossi", "Kowalski", "Dubois", "Tanaka"]
    customers, contacts, phones = [], [], []
    for (name, region), (n_customers, n_contacts) in LAYOUT.items():
        entity_id = entity_ids[(name, region)]
        first_customer = customer_id
        for index in range(n_customers):
            customers.append(
                (customer_id, entity_id, f"Bench Customer {index:06d}", f"B-{index:06d}", index % 50 != 0)
            )
            for label in ("main", "fax"):
                raw, e164, ext = stored_number(rng, region)
                phones.append((phone_id, entity_id, customer_id, None, label, raw, e164, ext))
                phone_id += 1
            customer_id += 1
        for _ in range(n_contacts):
            owner = rng.randrange(first_customer, customer_id)
            contacts.append((contact_id, entity_id, owner, rng.choice(first_names), rng.choice(last_names)))
            raw, e164, ext = stored_number(rng, region)
            phones.append(
                (phone_id, entity_id, None, contact_id, rng.choice(["direct", "mobile"]), raw, e164, ext)
            )
            phone_id += 1
            contact_id += 1
    _copy(raw_cursor, "crm_customer (id, entity_id, name, account_number, email, address, terms, notes, is_active, created_at)",
          ((i, e, n, a, "", "", "Net 30", "", active, "now") for i, e, n, a, active in customers))  # fmt: skip
    _copy(raw_cursor, "crm_contact (id, entity_id, customer_id, first_name, last_name, title, email, is_active)",
          ((i, e, c, f, last, "", "", True) for i, e, c, f, last in contacts))  # fmt: skip
    _copy(
        raw_cursor,
        "crm_phonenumber (id, entity_id, customer_id, contact_id, label, raw, e164, extension)",
        phones,
    )
    for table in ("crm_customer", "crm_contact", "crm_phonenumber"):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def _copy(raw_cursor, target: str, rows) -> None:
    started = time.monotonic()
    count = 0
    with raw_cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    print(f"  COPY {count:,} rows into {target.split()[0]} in {time.monotonic() - started:.1f}s", flush=True)


def check_normalization_agrees(sample_size: int = 5_000) -> None:
    """The generator's E.164 must be what crm.phones.normalize makes of the raw text."""
    from crm.numbers import normalize

    rng = random.Random(SEED + 1)
    for region in ("US", "GB"):
        for _ in range(sample_size):
            raw, e164, extension = stored_number(rng, region)
            got = normalize(raw, region)
            if (got.e164, got.extension) != (e164, extension):
                raise AssertionError(
                    f"generator and normalize disagree on {raw!r} ({region}): {got} vs {e164}"
                )


def ensure_dataset() -> dict[tuple[str, str], int]:
    ensure_database()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        entity_ids = _entity_ids(cursor)
        stored = _stored_count(cursor)
        if stored == TOTAL_NUMBERS:
            print(f"reusing the stored dataset: {stored:,} phone numbers")
            return entity_ids
        print(f"generating {TOTAL_NUMBERS:,} phone numbers (found {stored:,})", flush=True)
        check_normalization_agrees()
        started = time.monotonic()
        with transaction.atomic():
            _clear(cursor, list(entity_ids.values()))
            _generate(cursor, entity_ids)
        cursor.execute("VACUUM ANALYZE crm_customer, crm_contact, crm_phonenumber")
        print(f"dataset ready in {time.monotonic() - started:.0f}s", flush=True)
    return entity_ids


# ---------------------------------------------------------------- lookups


# Numbers whose owner find_callers may return: active customers, active contacts of active customers.
ACTIVE_SAMPLE_SQL = """
    SELECT p.e164 FROM crm_phonenumber p
    LEFT JOIN crm_customer c ON c.id = p.customer_id
    LEFT JOIN crm_contact k ON k.id = p.contact_id
    LEFT JOIN crm_customer kc ON kc.id = k.customer_id
    WHERE p.entity_id = %s AND (c.is_active OR (k.is_active AND kc.is_active))
    ORDER BY random() LIMIT %s
"""


def lookup_inputs(entity_ids: dict) -> list[tuple[str, str | None]]:
    """10,000 (caller text, expected E.164 or None for a miss), shuffled: 80% hits, 20% misses."""
    rng = random.Random(SEED + 2)
    (_, region), other = ENTITY_A, entity_ids[ENTITY_B]
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(ACTIVE_SAMPLE_SQL, [entity_ids[ENTITY_A], LOOKUPS * 8 // 10])
        hits = [(caller_text(rng, e164, region), e164) for (e164,) in cursor.fetchall()]
        cursor.execute("SELECT e164 FROM crm_phonenumber WHERE entity_id = %s LIMIT 500", [other])
        other_entity = [(caller_text(rng, e164, region), None) for (e164,) in cursor.fetchall()]
    garbage = [(text, None) for text in ["n/a", "call reception", "+", "ext. 12", "00000"] * 20]
    unseen = [(caller_text(rng, _us(rng, MISS_AREA_CODES)[1], region), None) for _ in range(LOOKUPS)]
    misses = other_entity + garbage
    inputs = hits + misses + unseen[: LOOKUPS - len(hits) - len(misses)]
    rng.shuffle(inputs)
    return inputs


def time_find_callers(entity, inputs) -> tuple[list[float], int, int, float]:
    """Wall-clock samples (ms), hits found, hits expected, and this process's CPU ms per lookup."""
    from crm.phones import find_callers

    for text, _ in inputs[:300]:  # warm-up: connection, plan cache, phonenumbers metadata
        find_callers(entity, text)
    samples, found, expected = [], 0, 0
    # CPU time of this process barely depends on what else the machine runs, unlike wall time.
    cpu_started = time.process_time()
    for text, e164 in inputs:
        started = time.perf_counter()
        matches = find_callers(entity, text)
        samples.append((time.perf_counter() - started) * 1000)
        if e164 is not None:
            expected += 1
            found += any(m.phone.e164 == e164 for m in matches)
        elif matches:
            raise AssertionError(f"{text!r} should match nobody in {entity}, got {matches}")
    return samples, found, expected, (time.process_time() - cpu_started) * 1000 / len(inputs)


def time_reference(entity_id: int, inputs) -> tuple[list[float], int, int]:
    """OCA base_phone's query shape over the raw numbers."""
    sql = "SELECT id, customer_id, contact_id FROM crm_phonenumber WHERE entity_id = %s AND replace(raw, ' ', '') ILIKE %s"
    dialable = [(text, e164) for text, e164 in inputs if sum(c.isdigit() for c in text) >= 8][
        :REFERENCE_LOOKUPS
    ]
    samples, found, expected = [], 0, 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [entity_id, "%00000000"])  # warm-up
        cursor.fetchall()
        for text, e164 in dialable:
            pattern = "%" + "".join(c for c in text if c.isdigit())[-8:]
            started = time.perf_counter()
            cursor.execute(sql, [entity_id, pattern])
            rows = cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
            if e164 is not None:
                expected += 1
                found += bool(rows)
    return samples, found, expected


@benchmark("phone_matching")
def run() -> list[Result]:
    from crm.models import Entity

    entity_ids = ensure_dataset()
    entity = Entity.objects.get(pk=entity_ids[ENTITY_A])
    inputs = lookup_inputs(entity_ids)
    print(f"timing find_callers over {len(inputs):,} lookups", flush=True)
    ours, found, expected, cpu_ms = time_find_callers(entity, inputs)
    print(f"timing the reference query over {REFERENCE_LOOKUPS} lookups", flush=True)
    reference, ref_found, ref_expected = time_reference(entity.pk, inputs)
    ours_p50, ref_p50 = median(ours), median(reference)
    return [
        Result("stored phone numbers", TOTAL_NUMBERS, "rows"),
        Result("find_callers p50", ours_p50, "ms", target=0.5),
        Result("find_callers p99", percentile(ours, 99), "ms", target=2.0),
        Result("find_callers app CPU / lookup", cpu_ms, "ms", note="Python side: normalize + ORM + rows"),
        Result(
            "find_callers hits found",
            100 * found / expected,
            "%",
            target=100,
            higher_is_better=True,
            note=f"{found} of {expected} stored numbers dialled in another format",
        ),  # fmt: skip
        Result("reference (ILIKE) p50", ref_p50, "ms"),
        Result("reference (ILIKE) p99", percentile(reference, 99), "ms"),
        Result(
            "reference hits found",
            100 * ref_found / max(ref_expected, 1),
            "%",
            note="punctuation in the stored text defeats the suffix match",
        ),  # fmt: skip
        Result("speed-up (p50)", ref_p50 / ours_p50, "×", target=300, higher_is_better=True),
    ]
