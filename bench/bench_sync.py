"""Call-log sync of 100,000 records from the simulator into PostgreSQL.

The simulator runs as its own process (rate limits off, perPage=1000); the sync runs in a child
process so its peak RSS (`ru_maxrss`) is the worker's alone. Records per second exclude
rate-limit waits (there are none with limits off; the figure is reported anyway).
"""

import multiprocessing
import resource
import time

from django.core.management import call_command

from bench import Result, benchmark

RECORDS = 100_000
ENTITY_NAME = "Bench Sync v1"
CALLERS = ["(212) 555-0100", "514.555.0142", "(415) 555-0190", "(617) 555-0123"]


def _prepare(simulator):
    from crm.models import Customer, Entity, PhoneNumber
    from telephony.models import Call, Connector, RingCentralToken, Subscription
    from telephony.models_sync import CallLogSync
    from tests.test_sync_support import connect

    call_command("migrate", verbosity=0)
    entity, _ = Entity.objects.get_or_create(name=ENTITY_NAME, defaults={"default_region": "US"})
    Call.objects.filter(entity=entity).delete()
    for index, raw in enumerate(CALLERS):
        customer, _ = Customer.objects.get_or_create(
            entity=entity, account_number=f"BS-{index}", defaults={"name": f"Bench customer {index}"}
        )
        if not customer.phone_numbers.exists():
            PhoneNumber.objects.create(customer=customer, raw=raw)
    # An earlier run's secrets were encrypted with that run's key: delete without reading them.
    for model in (CallLogSync, Subscription, RingCentralToken):
        rows = model.objects.filter(connector__entity=entity)
        rows._raw_delete(rows.db)
    connectors = Connector.objects.filter(entity=entity)
    connectors._raw_delete(connectors.db)
    return connect(entity, simulator)


def _child(connector_id: int, queue) -> None:
    from bench.__main__ import configure_django

    configure_django()
    from telephony.history import sync

    started = time.perf_counter()
    outcome = sync.connector_sync(connector_id=connector_id)
    elapsed = time.perf_counter() - started
    maxrss_kb = _peak_rss_kb()
    fetch_seconds = _fetch_only(connector_id)
    queue.put(
        {
            "result": outcome.result,
            "error": outcome.error,
            "records": outcome.counts.records,
            "created": outcome.counts.created,
            "seconds": elapsed,
            "waited": outcome.rate_limit_seconds,
            "maxrss_mb": maxrss_kb / 1024,
            "fetch_seconds": fetch_seconds,
        }
    )


def _peak_rss_kb() -> float:
    """This process's peak RSS. On Linux ru_maxrss survives fork+exec (a spawned child starts with
    its parent's high-water mark), so VmHWM of the child's own address space is read first."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _fetch_only(connector_id: int) -> float:
    """The same pages read again without writing anything: what the simulator alone allows."""
    from datetime import timedelta

    from django.utils import timezone

    from telephony import ringcentral as rc
    from telephony.history.sync import PER_PAGE
    from telephony.models import Connector

    connector = Connector.objects.get(pk=connector_id)
    started = time.perf_counter()
    with rc.connector_session(connector) as session:
        now = timezone.now()
        for _page in rc.call_log_pages(
            session, date_from=now - timedelta(days=30), date_to=now, view="Simple", per_page=PER_PAGE
        ):
            pass
    return time.perf_counter() - started


@benchmark("call_log_sync")
def run() -> list[Result]:
    from django.db import connections

    from tests.simulator_fixture import SimulatorProcess

    simulator = SimulatorProcess()
    simulator.start()
    try:
        simulator.control.timeout = 600  # generating 100k records takes a while
        simulator.control.reset()
        connector = _prepare(simulator)
        started = time.perf_counter()
        simulator.control.generate_call_log(RECORDS, days=29, recorded_share=0.2, seed=20261122)
        print(
            f"simulator: {RECORDS:,} records generated in {time.perf_counter() - started:.1f} s", flush=True
        )
        connections.close_all()
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        child = context.Process(target=_child, args=(connector.pk, queue))
        child.start()
        figures = queue.get(timeout=1800)
        child.join()
    finally:
        simulator.stop()
    if figures["result"] != "ok":
        raise RuntimeError(f"the sync failed: {figures['error']}")
    busy = figures["seconds"] - figures["waited"]
    rate = figures["records"] / busy
    print(f"sync: {figures['records']:,} records ({figures['created']:,} new) in {busy:.1f} s", flush=True)
    return [
        Result("records per second (excl. rate-limit waits)", rate, "rec/s", 5000, higher_is_better=True),
        Result("sync time for 100k records", busy, "s"),
        Result("worker peak RSS", figures["maxrss_mb"], "MB", 300),
        Result(
            "simulator serving the same pages, nothing written",
            RECORDS / figures["fetch_seconds"],
            "rec/s",
            note="upper bound for the sync on this machine: the simulator's page rate",
        ),
    ]
