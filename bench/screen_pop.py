"""Screen-pop latency on running servers: webhook POST sent → wizard fragment on the user's socket.

The production topology on one machine: daphne web processes serving `arcadium.asgi:application`
(DEBUG off, PostgreSQL `arcadium_bench` with the 1,000,000 numbers of the phone-matching
benchmark, Redis channel layer) and two ingest processes (`manage.py run_ingest`) in subprocesses.
This process holds 200 authenticated websockets (one per listening staff user, real session
cookies) and posts RingCentral telephony-session `Setup` notifications for inbound calls
open-loop on a fixed clock, never waiting for responses. Each fragment is matched to its call by
the call id in the HTML (`data-call`) and checked against the user the call rang for.

Configurations, each on fresh servers, in one run:
- ours, 1 web process: webhooks and websockets on one daphne; the door stores, the ingest
  processes apply, match, render and push;
- ours, 2 web processes: webhooks go to one daphne while the websockets sit on another (the
  push crosses processes through Redis);
- baseline: the naive path, one daphne that applies, matches, renders and pushes inside the
  webhook request (INGEST_INLINE), with the classic `channels_redis.core.RedisChannelLayer` and a
  new database connection per request (Django's default).
Before each configuration the tables a run churns are vacuumed (as autovacuum would; it may be
off), and before each phase the calls of the phases before are ended (real calls end within
minutes: a user has a call or two live). Each popup's time is split into stages by the rows' own
stamps: the door's `received_at`, the claim's `processed_at`, the popup's `popped_up_at`.
Ours climbs a ladder of rates (20/s, 50/s, 100/s, …) until a rate misses p99 ≤ 250 ms with 0
lost (20/s and 100/s always run: they carry the targets); the baseline runs 20/s and 100/s. The
figures include the servers' CPU time per call (web + ingest processes), which the load of other
processes on the machine does not inflate much.

Knobs (environment): BENCH_SCREEN_POP_SECONDS (phase length, default 20; the baseline runs half
as long), BENCH_SCREEN_POP_RATES (the ladder, default 20,50,100,150,200,300,400,600),
BENCH_SCREEN_POP_INGEST (ingest processes, default 2), BENCH_SCREEN_POP_ONLY_OURS=1 (skip the
baseline), BENCH_SCREEN_POP_ONLY_ONE_WEB=1 (only ours with 1 web process: quick A/B),
BENCH_SCREEN_POP_PROFILE=<dir> (py-spy raw profiles of every server process per phase, p0 the
webhook server; summarise with `python -m bench.profile_summary <file>`), BENCH_SCREEN_POP_SERVER_ROOT=<tree>
(serve another copy of the code: A/B of a change under the same load).
"""

import asyncio
import gc
import json
import logging
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import Result, benchmark, median, percentile
from bench.phone_matching import ENTITY_A, MISS_AREA_CODES, ensure_dataset

USERS = 200
PHASE_SECONDS = float(os.environ.get("BENCH_SCREEN_POP_SECONDS", "20"))
LOW, HIGH = 20, 100  # the rates the targets are set for: always run
LADDER = tuple(
    sorted(
        {LOW, HIGH}
        | {
            int(r)
            for r in os.environ.get("BENCH_SCREEN_POP_RATES", "20,50,100,150,200,300,400,600").split(",")
        }
    )
)
BASELINE_RATES = (LOW, HIGH)
# Two: one listens to the inbox, the other helps with a backlog (one process saturated at ~120/s
# on this 2-core machine; A/B, two runs each: the 100/s p99 30-65 ms against 90-220 ms).
INGEST_PROCESSES = int(os.environ.get("BENCH_SCREEN_POP_INGEST", "2"))
CEILING_P99_MS = 250.0  # "the highest rate" is the highest with p99 within this and nothing lost
WARMUP_CALLS = 200  # 10 s at 20/s: templates compiled, statements prepared on the pooled connections
POP_TIMEOUT = 5.0
HTTP_POOL = 32
USERNAME_PREFIX = "popbench-"
SUBSCRIPTION_PREFIX = "popbench-sub-"
VERIFICATION_TOKEN = secrets.token_urlsafe(24)  # per run, as the connector is
ACCOUNT_ID = "37439510"
OUR_NUMBER = "+19043014558"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
CALL_ID = re.compile(r'data-call="(\d+)"')
# The server's code: this checkout, or another tree to compare revisions (A/B under the same load).
ROOT = Path(os.environ.get("BENCH_SCREEN_POP_SERVER_ROOT") or Path(__file__).resolve().parent.parent)

CLASSIC_LAYER = "channels_redis.core.RedisChannelLayer"
PUBSUB_LAYER = "channels_redis.pubsub.RedisPubSubChannelLayer"


@dataclass(frozen=True)
class ServerSetup:
    label: str
    env: dict
    web_processes: int  # 2: webhooks to the first, websockets on the second
    ingest_processes: int
    rates: tuple[int, ...]
    targets: bool


OURS_1 = ServerSetup(
    "ours 1 web",
    {"BENCH_CHANNEL_LAYER": PUBSUB_LAYER, "INGEST_INLINE": "0"},
    1,
    INGEST_PROCESSES,
    LADDER,
    True,
)
OURS_2 = ServerSetup(
    "ours 2 web",
    {"BENCH_CHANNEL_LAYER": PUBSUB_LAYER, "INGEST_INLINE": "0"},
    2,
    INGEST_PROCESSES,
    LADDER,
    True,
)
BASELINE = ServerSetup(
    "baseline",
    {"BENCH_CHANNEL_LAYER": CLASSIC_LAYER, "BENCH_DB_POOL": "0", "INGEST_INLINE": "1"},
    1,
    0,
    BASELINE_RATES,
    False,
)


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Listener:
    user_id: int
    extension_id: str
    subscription_id: str
    session_key: str


def prepare_users(entity) -> list[Listener]:
    """200 listening staff users in the benchmark entity, with sessions; calls of earlier runs removed."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from crm.models import Resource
    from telephony.models import Call, CallEvent, Connector, RingCentralToken, Subscription

    User = get_user_model()
    Call.objects.filter(entity=entity).delete()
    CallEvent.objects.filter(subscription_id__startswith=SUBSCRIPTION_PREFIX).delete()
    names = [f"{USERNAME_PREFIX}{i:03d}" for i in range(USERS)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [User(username=n, password=make_password(None), is_staff=True) for n in names if n not in existing]
    )
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    have = set(Resource.objects.filter(user__in=users.values()).values_list("user_id", flat=True))
    Resource.objects.bulk_create(
        [
            Resource(
                user=users[n],
                entity=entity,
                display_name=f"Bench Agent {i:03d}",
                ringcentral_enabled=True,
                ringcentral_extension_id=f"6300{i:04d}",
                ringcentral_extension_number=str(1000 + i),
            )
            for i, n in enumerate(names)
            if users[n].pk not in have
        ]
    )
    resources = list(Resource.objects.filter(user__in=users.values()).select_related("user"))
    # Encrypted fields are rewritten under this run's key (never read: an earlier run's key is gone).
    connector_id = Connector.objects.filter(entity=entity).values_list("pk", flat=True).first()
    if connector_id is None:
        connector_id = Connector.objects.create(entity=entity).pk
    Connector.objects.filter(pk=connector_id).update(
        client_id="popbench-client",
        client_secret=secrets.token_urlsafe(16),
        jwt_credential="",
        server_url="http://127.0.0.1:9",
        account_id=ACCOUNT_ID,
        status=Connector.Status.CONNECTED,
        verification_token=VERIFICATION_TOKEN,
    )
    expires = datetime.now(UTC) + timedelta(days=7)
    with_token = set(
        RingCentralToken.objects.filter(resource__in=resources).values_list("resource_id", flat=True)
    )
    RingCentralToken.objects.bulk_create(
        RingCentralToken(connector_id=connector_id, resource=r, owner_extension_id=r.ringcentral_extension_id)
        for r in resources
        if r.pk not in with_token
    )
    RingCentralToken.objects.filter(resource__in=resources).update(
        connector_id=connector_id,
        access_token=secrets.token_urlsafe(16),
        refresh_token=secrets.token_urlsafe(16),
        access_expires_at=expires,
        refresh_expires_at=expires,
        is_valid=True,
    )
    subscribed = set(
        Subscription.objects.filter(resource__in=resources).values_list("resource_id", flat=True)
    )
    Subscription.objects.bulk_create(
        Subscription(
            connector_id=connector_id,
            resource=r,
            transport=Subscription.Transport.WEBHOOK,
            rc_subscription_id=f"{SUBSCRIPTION_PREFIX}{r.ringcentral_extension_id}",
        )
        for r in resources
        if r.pk not in subscribed
    )
    Subscription.objects.filter(resource__in=resources).update(
        connector_id=connector_id, status=Subscription.Status.ACTIVE, expires_at=expires
    )
    Resource.objects.filter(pk__in=[r.pk for r in resources]).update(
        ringcentral_enabled=True, ringcentral_on=True, ringer_on=True
    )
    # Earlier runs' sessions were signed with their own random key: deleting them warns per row.
    logging.getLogger("django.security.SuspiciousSession").setLevel(logging.ERROR)
    Session.objects.filter(session_key__startswith="popbench").delete()
    listeners = []
    for r in sorted(resources, key=lambda r: r.ringcentral_extension_id):
        key = f"popbench{secrets.token_hex(16)}"  # the next run removes these by prefix
        data = {
            "_auth_user_id": str(r.user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": r.user.get_session_auth_hash(),
        }
        Session.objects.create(session_key=key, session_data=SessionStore().encode(data), expire_date=expires)
        listeners.append(
            Listener(
                r.user.pk,
                r.ringcentral_extension_id,
                f"{SUBSCRIPTION_PREFIX}{r.ringcentral_extension_id}",
                key,
            )
        )
    return listeners


def caller_numbers(entity_id: int, count: int) -> list[tuple[str, str]]:
    """(kind, E.164) for the calls: 45% customers' numbers, 40% contacts', 15% nobody's."""
    from django.db import connection

    rng = random.Random(20261122)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.e164, p.customer_id IS NOT NULL FROM crm_phonenumber p TABLESAMPLE SYSTEM (2) "
            "LEFT JOIN crm_customer c ON c.id = p.customer_id "
            "LEFT JOIN crm_contact k ON k.id = p.contact_id "
            "LEFT JOIN crm_customer kc ON kc.id = k.customer_id "
            "WHERE p.entity_id = %s AND (c.is_active OR (k.is_active AND kc.is_active))",
            [entity_id],
        )
        rows = cursor.fetchall()
    customers = [e164 for e164, is_customer in rows if is_customer]
    contacts = [e164 for e164, is_customer in rows if not is_customer]
    numbers = []
    for _ in range(count):
        pick = rng.random()
        if pick < 0.45:
            numbers.append(("customer", rng.choice(customers)))
        elif pick < 0.85:
            numbers.append(("contact", rng.choice(contacts)))
        else:
            area = rng.choice(MISS_AREA_CODES)
            numbers.append(("unknown", f"+1{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"))
    return numbers


def setup_notification(listener: Listener, session: str, caller: str) -> bytes:
    """A telephony-session `Setup` notification for an inbound call ringing the listener (API.md §4.3)."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    ext = listener.extension_id
    return json.dumps(
        {
            "uuid": uuid.uuid4().hex,
            "event": f"/restapi/v1.0/account/{ACCOUNT_ID}/extension/{ext}/telephony/sessions",
            "timestamp": now,
            "subscriptionId": listener.subscription_id,
            "ownerId": ext,
            "body": {
                "sequence": 1,
                "sessionId": str(random.randint(10**11, 10**12 - 1)),
                "telephonySessionId": session,
                "serverId": "10.13.22.28.TAM",
                "eventTime": now,
                "parties": [
                    {
                        "accountId": ACCOUNT_ID,
                        "extensionId": ext,
                        "id": f"p-{session[2:]}-2",
                        "direction": "Inbound",
                        "to": {"phoneNumber": OUR_NUMBER, "name": "Bench Agent", "extensionId": ext},
                        "from": {"phoneNumber": caller},
                        "status": {"code": "Setup", "rcc": False},
                        "park": {},
                        "missedCall": False,
                        "standAlone": False,
                        "muted": False,
                    }
                ],
                "origin": {"type": "Call"},
            },
        }
    ).encode()


# ---------------------------------------------------------------- server


@dataclass
class Stack:
    webhook_port: int
    socket_port: int
    processes: list[subprocess.Popen]
    web: list[subprocess.Popen]  # the rest are ingest processes


def server_env(setup: ServerSetup, prefix: str) -> dict:
    return {
        **os.environ,
        **setup.env,
        "DJANGO_SETTINGS_MODULE": "bench.screen_pop_settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": REDIS_URL,
        "CHANNELS_PREFIX": prefix,
        "SECURE_SSL_REDIRECT": "0",  # TLS ends at a proxy in production; loopback here is plain HTTP
        "LOG_LEVEL": "WARNING",
        "CATCH_UP_ON_START": "0",  # no RingCentral to catch up with
        "PYTHONPATH": str(ROOT),
    }


def start_stack(setup: ServerSetup, prefix: str) -> Stack:
    """The web processes (each on its own port) and the ingest processes of a configuration."""
    env = server_env(setup, prefix)
    log_dir = Path(os.environ.get("TMPDIR", "/tmp"))
    tag = setup.label.replace(" ", "-")
    processes, ports = [], []
    for n in range(setup.web_processes):
        port, process = start_daphne(env, log_dir / f"popbench-daphne-{tag}-{n}.log")
        processes.append(process)
        ports.append(port)
    for n in range(setup.ingest_processes):
        ingest = subprocess.Popen(
            [sys.executable, "manage.py", "run_ingest"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=open(log_dir / f"popbench-ingest-{tag}-{n}.log", "w"),  # noqa: SIM115
        )
        processes.append(ingest)
        assert ingest.stdout is not None
        ingest.stdout.readline()  # its first line: ready
    if any(p.poll() is not None for p in processes):
        stop_server(processes)
        raise RuntimeError(f"a server process exited early (see {log_dir}/popbench-*-{tag}-*.log)")
    web = processes[: setup.web_processes]
    return Stack(webhook_port=ports[0], socket_port=ports[-1], processes=processes, web=web)


def start_daphne(env: dict, log: Path) -> tuple[int, subprocess.Popen]:
    daphne = str(Path(sys.executable).with_name("daphne"))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    process = subprocess.Popen(
        [daphne, "--fd", str(listener.fileno()), "arcadium.asgi:application"],
        env=env,
        cwd=ROOT,
        pass_fds=[listener.fileno()],
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),  # noqa: SIM115
    )
    listener.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited early (see {log})")
        try:  # daphne accepts only once the app is loaded
            with socket.create_connection(("127.0.0.1", port), timeout=5) as probe:
                probe.sendall(b"GET /telephony/webhook/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if probe.recv(16).startswith(b"HTTP/"):
                    return port, process
        except OSError:
            pass
        time.sleep(0.3)
    stop_server([process])
    raise RuntimeError("daphne did not start within 60 s")


def stop_server(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def clear_redis(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*", count=1000):
        client.delete(key)
    # Unknown callers queue a reverse lookup; no worker runs during the benchmark to take them.
    client.delete("celery")
    client.close()


# ---------------------------------------------------------------- client


class HttpPool:
    """Keep-alive HTTP/1.1 connections to the server; a request takes an idle one or opens one."""

    def __init__(self, port: int):
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def open(self, count: int) -> None:
        for _ in range(count):
            self.idle.append(await asyncio.open_connection("127.0.0.1", self.port))

    async def post(self, path: str, body: bytes, headers: dict[str, str], on_sent) -> int:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{head}\r\n".encode()
            + body
        )
        reused = bool(self.idle)
        reader, writer = (
            self.idle.pop() if self.idle else await asyncio.open_connection("127.0.0.1", self.port)
        )
        writer.write(request)
        on_sent()
        first = await reader.readline()
        if not first and reused:
            # The server had closed this idle keep-alive connection before our request reached
            # it (nothing was read): send it again on a new one, as HTTP clients do. The time
            # lost counts against the server (sent_at stays the first send).
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(request)
            first = await reader.readline()
        status = int(first.split()[1])
        length, keep = 0, True
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                keep = False
        await reader.readexactly(length)
        if keep:
            self.idle.append((reader, writer))
        else:
            writer.close()
        return status

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


@dataclass
class Sent:
    session: str
    listener: Listener
    kind: str
    caller: str
    sent_at: float = 0.0
    sent_wall: float = 0.0  # the same moment on the wall clock the servers stamp rows with
    responded_at: float = 0.0
    status: int = 0
    failure: str = ""  # why the client got no answer (status -1)


@dataclass
class Phase:
    label: str
    rate: float
    calls: list[Sent]
    server_cpu: float = 0.0
    web_cpu: float = 0.0
    late_start_ms: list[float] = field(default_factory=list)


async def connect_sockets(port: int, listeners: list[Listener], received: list) -> list:
    from websockets.asyncio.client import connect

    async def one(index: int, listener: Listener):
        ws = await connect(
            f"ws://127.0.0.1:{port}/ws/live/",
            additional_headers={"Cookie": f"sessionid={listener.session_key}"},
            origin=f"http://127.0.0.1:{port}",
            max_size=None,
            open_timeout=30,
        )

        async def read():
            async for message in ws:
                received.append((time.perf_counter(), index, message, time.time()))

        asyncio.create_task(read())
        return ws

    sockets = []
    for start in range(0, len(listeners), 20):
        batch = listeners[start : start + 20]
        sockets += await asyncio.gather(*(one(start + i, li) for i, li in enumerate(batch)))
    return sockets


async def run_phase(pool: HttpPool, phase: Phase, received: list) -> None:
    loop = asyncio.get_running_loop()
    bodies = [setup_notification(c.listener, c.session, c.caller) for c in phase.calls]
    headers = {"Verification-Token": VERIFICATION_TOKEN}
    tasks = []
    expected = len(received) + len(phase.calls)

    async def send(call: Sent, body: bytes) -> None:
        def sent():
            call.sent_at = time.perf_counter()
            call.sent_wall = time.time()

        try:
            call.status = await pool.post("/telephony/webhook/", body, headers, sent)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            call.status, call.failure = -1, type(exc).__name__
        call.responded_at = time.perf_counter()

    start = loop.time() + 0.1
    for index, (call, body) in enumerate(zip(phase.calls, bodies, strict=True)):
        due = start + index / phase.rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        phase.late_start_ms.append(max(0.0, loop.time() - due) * 1000)
        tasks.append(asyncio.create_task(send(call, body)))
    await asyncio.gather(*tasks)
    deadline = time.perf_counter() + POP_TIMEOUT
    while len(received) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # stragglers and duplicates


def make_calls(label: str, count: int, listeners: list[Listener], numbers: list, run_id: str) -> list[Sent]:
    rng = random.Random(label)
    calls = []
    for i in range(count):
        kind, caller = numbers[i % len(numbers)]
        calls.append(Sent(f"s-{run_id}-{label}-{i:05d}", rng.choice(listeners), kind, caller))
    return calls


async def drive(
    stack: Stack, listeners: list[Listener], phases: list[Phase], profile_dir: Path | None, *, staged: bool
):
    """Run the warm-up, then the rates in order; after a rate misses (p99 over the ceiling or a
    popup lost) only the rates that carry targets still run. Returns the connected sockets and
    each phase's figures."""
    received: list = []
    sockets = await connect_sockets(stack.socket_port, listeners, received)
    pool = HttpPool(stack.webhook_port)
    await pool.open(HTTP_POOL)
    pids = [p.pid for p in stack.processes]
    figures: dict[str, PhaseFigures] = {}
    missed = False
    try:
        for phase in phases:
            if missed and phase.rate not in (LOW, HIGH):
                continue
            await asyncio.to_thread(end_live_calls, listeners)
            first = len(received)
            print(f"  {phase.label}: {len(phase.calls)} calls at {phase.rate:g}/s", flush=True)
            spies = []
            if profile_dir is not None and phase.label != "warm-up":
                spies = [start_profile(profile_dir, pid, phase, f"p{n}") for n, pid in enumerate(pids)]
            web_pids = [p.pid for p in stack.web]
            cpu_before = sum(cpu_seconds(pid) for pid in pids)
            web_before = sum(cpu_seconds(pid) for pid in web_pids)
            await run_phase(pool, phase, received)
            phase.server_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
            phase.web_cpu = sum(cpu_seconds(pid) for pid in web_pids) - web_before
            for spy in spies:
                spy.send_signal(signal.SIGINT)
                await asyncio.to_thread(spy.wait)
            if phase.label == "warm-up":
                continue
            f = figures[phase.label] = await asyncio.to_thread(
                analyse, phase, received[first:], listeners, staged=staged
            )
            report(phase.label, f)
            missed |= not f.within_ceiling
    finally:
        pool.close()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return len(sockets), figures


def end_live_calls(listeners: list[Listener]) -> None:
    """The calls of the phases before are over: real calls end within minutes, so a user has a
    call or two live, not hundreds (the heartbeat reads the version of every live call)."""
    from django.utils import timezone

    from telephony.models import Call

    Call.objects.filter(
        resource__user_id__in=[li.user_id for li in listeners], state__in=Call.LIVE_STATES
    ).update(state=Call.State.ENDED, ended_at=timezone.now())
    connection_close()


def report(label: str, f: "PhaseFigures") -> None:
    p50 = median(f.latencies_ms) if f.latencies_ms else float("nan")
    p99 = percentile(f.latencies_ms, 99) if f.latencies_ms else float("nan")
    print(
        f"    {label}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, lost {f.lost}/{f.sent}, wrong user {f.wrong_user}, "
        f"statuses {f.statuses}, client send lag max {f.late_ms:.1f} ms, server CPU {f.cpu_ms_per_call:.1f} ms/call "
        f"(web {f.web_cpu_ms_per_call:.1f})",
        flush=True,
    )
    if f.stages:
        print(
            "      stages (p50 of all · mean of the slowest 1 %): "
            + ", ".join(f"{name} {p50:.1f} · {slow:.1f} ms" for name, p50, slow in stage_figures(f.stages)),
            flush=True,
        )


def stage_figures(stages: dict[str, tuple[list[float], list[float]]]) -> list[tuple[str, float, float]]:
    """(stage, its p50 over every popup, its mean over the slowest 1 %) for each stage."""
    return [(name, median(every), sum(slowest) / len(slowest)) for name, (every, slowest) in stages.items()]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_profile(profile_dir: Path, pid: int, phase: Phase, process: str) -> subprocess.Popen:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    profile_dir.mkdir(parents=True, exist_ok=True)
    out = profile_dir / f"{phase.label.replace('/', '-')}-{process}.txt"
    print(f"  profiling the server with py-spy into {out}", flush=True)
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--rate",
            "500",
            "--format",
            "raw",
            "--threads",
            "--nonblocking",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(profile_dir / f"{phase.label.replace('/', '-')}-{process}.log", "w"),  # noqa: SIM115
    )


# ---------------------------------------------------------------- figures


@dataclass
class PhaseFigures:
    latencies_ms: list[float]
    response_ms: list[float]
    lost: int
    wrong_user: int
    errors: int
    statuses: dict
    sent: int
    late_ms: float
    cpu_ms_per_call: float
    web_cpu_ms_per_call: float
    # stage name -> (ms of every popped call, ms of the slowest 1 %), from the rows' stamps
    stages: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)

    @property
    def within_ceiling(self) -> bool:
        p99 = percentile(self.latencies_ms, 99) if self.latencies_ms else float("inf")
        return self.lost == 0 and self.errors == 0 and p99 <= CEILING_P99_MS


def analyse(phase: Phase, messages: list, listeners: list[Listener], *, staged: bool = True) -> PhaseFigures:
    """The phase's figures; `staged`: split each popup's time into stages (not for the baseline,
    whose request applies the event before the row is claimed: its stamps mean other things)."""
    from telephony.models import Call

    by_session = {c.session: c for c in phase.calls}
    rows = Call.objects.filter(telephony_session_id__in=list(by_session)).values_list(
        "pk", "telephony_session_id", "resource__user_id"
    )
    by_pk = {pk: (by_session[tsid], user_id) for pk, tsid, user_id in rows}
    first_seen: dict[int, tuple[float, float]] = {}
    wrong = 0
    for at, socket_index, text, wall in messages:
        found = CALL_ID.search(text)
        if not found or int(found.group(1)) not in by_pk:
            continue
        pk = int(found.group(1))
        call, user_id = by_pk[pk]
        if listeners[socket_index].user_id != user_id or call.listener.user_id != user_id:
            wrong += 1
            continue
        first_seen.setdefault(pk, (at, wall))
    latencies, popped = [], {}
    for pk, (at, wall) in first_seen.items():
        call = by_pk[pk][0]
        if at - call.sent_at <= POP_TIMEOUT:
            latencies.append((at - call.sent_at) * 1000)
            popped[pk] = (call, wall)
    responses = [(c.responded_at - c.sent_at) * 1000 for c in phase.calls if c.status == 200]
    return PhaseFigures(
        latencies_ms=latencies,
        response_ms=responses,
        lost=len(phase.calls) - len(popped),
        wrong_user=wrong,
        errors=sum(c.status != 200 for c in phase.calls),
        statuses=dict(Counter(c.status if c.status != -1 else c.failure for c in phase.calls)),
        sent=len(phase.calls),
        late_ms=max(phase.late_start_ms, default=0.0),
        cpu_ms_per_call=1000 * phase.server_cpu / len(phase.calls),
        web_cpu_ms_per_call=1000 * phase.web_cpu / len(phase.calls),
        stages=stages(popped) if staged else {},
    )


STAGES = ("client → door", "door → claimed", "claimed → popped", "popped → on socket")


def stages(popped: dict[int, tuple[Sent, float]]) -> dict[str, tuple[list[float], list[float]]]:
    """Where each popup's time went, from the wall-clock stamps the servers write (all processes
    share this machine's clock): the door's `received_at`, the claim's `processed_at`, the
    popup's `popped_up_at` (rendering and the push come after it)."""
    from telephony.models import Call, CallEvent

    stamps = {
        session: (at_door, claimed)
        for session, at_door, claimed in CallEvent.objects.filter(
            telephony_session_id__in=[c.session for c, _ in popped.values()]
        ).values_list("telephony_session_id", "received_at", "processed_at")
    }
    shown = dict(Call.objects.filter(pk__in=list(popped)).values_list("pk", "popped_up_at"))
    per_call = []
    for pk, (call, wall) in popped.items():
        (at_door, claimed), at_popup = stamps.get(call.session, (None, None)), shown.get(pk)
        if not (at_door and claimed and at_popup):
            continue
        marks = (call.sent_wall, at_door.timestamp(), claimed.timestamp(), at_popup.timestamp(), wall)
        per_call.append([1000 * (b - a) for a, b in zip(marks, marks[1:], strict=False)])
    if not per_call:
        return {}
    per_call.sort(key=sum)
    slowest = per_call[-max(1, len(per_call) // 100) :]
    return {name: ([c[i] for c in per_call], [c[i] for c in slowest]) for i, name in enumerate(STAGES)}


def run_server(setup: ServerSetup, listeners, numbers, profile_dir: Path | None) -> dict[str, PhaseFigures]:
    from crm.models import Resource
    from telephony.models import Call, CallEvent

    run_id = uuid.uuid4().hex[:8]
    prefix = f"popbench-{run_id}-"
    # Each configuration starts from the same state: no calls, an empty inbox.
    entity_id = (
        Resource.objects.filter(user_id=listeners[0].user_id).values_list("entity_id", flat=True).get()
    )
    Call.objects.filter(entity_id=entity_id).delete()
    CallEvent.objects.filter(subscription_id__startswith=SUBSCRIPTION_PREFIX).delete()
    vacuum()
    # The baseline drowns at 100/s and drains slowly: half as long keeps the whole run to minutes.
    seconds = PHASE_SECONDS if setup.targets else PHASE_SECONDS / 2
    phases = [Phase("warm-up", 20, make_calls("warm", WARMUP_CALLS, listeners, numbers[::-1], run_id))]
    offset = 0
    for rate in setup.rates:
        count = int(rate * seconds)
        chunk = numbers[offset % len(numbers) :] + numbers[: offset % len(numbers)]
        phases.append(Phase(f"{rate}/s", rate, make_calls(f"r{rate}", count, listeners, chunk, run_id)))
        offset += count
    connection_close()
    stack = start_stack(setup, prefix)
    print(
        f"{setup.label}: {setup.web_processes} web process(es) (webhooks on :{stack.webhook_port}, "
        f"websockets on :{stack.socket_port}), {setup.ingest_processes} ingest process(es) ({setup.env})",
        flush=True,
    )
    # The load generator's own garbage-collector pauses would count as server latency.
    gc.collect()
    gc.freeze()
    try:
        connected, figures = asyncio.run(
            drive(
                stack,
                listeners,
                phases,
                profile_dir and profile_dir / setup.label.replace(" ", "-"),
                staged=setup.targets,
            )
        )
    finally:
        stop_server(stack.processes)
        clear_redis(prefix)
    if connected != len(listeners):
        raise RuntimeError(f"only {connected} of {len(listeners)} websockets connected")
    return figures


# What every run rewrites or deletes: tens of thousands of dead rows per run.
CHURNED_TABLES = (
    "telephony_call",
    "telephony_callevent",
    "telephony_subscription",
    "telephony_ringcentraltoken",
    "telephony_connector",
    "crm_resource",
    "django_session",
)


def vacuum() -> None:
    """As autovacuum would between runs (it may be off, as on this machine's PostgreSQL): the
    dead rows of earlier runs would otherwise slow every lookup of this one."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in CHURNED_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


def connection_close() -> None:
    from django.db import connection

    connection.close()  # no idle transaction held open beside the servers


def results_for(setup: ServerSetup, figures: dict[str, PhaseFigures]) -> list[Result]:
    label, targets = setup.label, setup.targets
    low, high = f"{LOW}/s", f"{HIGH}/s"
    results = []

    def stat(name, samples, pct, target, unit="ms", split=None):
        if samples:
            value, note = (median(samples) if pct == 50 else percentile(samples, pct)), ""
            if split:  # where the time went: p50 of each stage, or the slowest 1 %'s mean
                note = ", ".join(
                    f"{stage} {p50 if pct == 50 else slow:.1f}" for stage, p50, slow in stage_figures(split)
                ) + (" ms (p50 of each stage)" if pct == 50 else " ms (the slowest 1 %, mean of each stage)")
        else:  # nothing arrived: report the timeout as a lower bound
            value, note = POP_TIMEOUT * 1000, f"none arrived within {POP_TIMEOUT:g} s"
        results.append(Result(f"{label} {name}", value, unit, target if targets else None, note=note))

    lo, hi = figures[low], figures[high]
    stat(f"{low} pop p50", lo.latencies_ms, 50, 10, split=lo.stages)
    stat(f"{low} pop p99", lo.latencies_ms, 99, 30, split=lo.stages)
    stat(f"{high} pop p50", hi.latencies_ms, 50, None, split=hi.stages)
    stat(f"{high} pop p99", hi.latencies_ms, 99, 100, split=hi.stages)
    note = f"no fragment within {POP_TIMEOUT:g} s"
    results.append(Result(f"{label} {low} lost popups", lo.lost, "calls", None, note=f"of {lo.sent}; {note}"))
    results.append(
        Result(
            f"{label} {high} lost popups",
            hi.lost,
            "calls",
            0 if targets else None,
            note=f"of {hi.sent}; {note}",
        )
    )
    stat(f"{low} webhook answer p99", lo.response_ms, 99, None)
    stat(f"{high} webhook answer p99", hi.response_ms, 99, 50)
    for rate, f in ((low, lo), (high, hi)):
        results.append(
            Result(
                f"{label} {rate} server CPU per call",
                f.cpu_ms_per_call,
                "ms",
                note=f"web processes {f.web_cpu_ms_per_call:.1f} ms, the rest ingest; heartbeats included",
            )
        )
    passing = [int(name.split("/")[0]) for name, f in figures.items() if f.within_ceiling]
    ladder = [int(name.split("/")[0]) for name in figures]
    highest = 0
    for rate in sorted(ladder):  # the highest rate below the first that missed
        if rate not in passing:
            break
        highest = rate
    results.append(
        Result(
            f"{label} highest rate with p99 ≤ {CEILING_P99_MS:g} ms and 0 lost",
            highest,
            "calls/s",
            note="rates run: "
            + ", ".join(f"{r}/s{'' if r in passing else ' (missed)'}" for r in sorted(ladder)),
        )
    )
    errors = sum(f.errors for f in figures.values())
    results.append(Result(f"{label} webhook non-200", errors, "calls", 0 if targets else None))
    wrong = sum(f.wrong_user for f in figures.values())
    results.append(Result(f"{label} wrong-user deliveries", wrong, "fragments", 0))
    return results


@benchmark("screen_pop")
def run() -> list[Result]:
    from crm.models import Entity

    entity_ids = ensure_dataset()
    entity = Entity.objects.get(pk=entity_ids[ENTITY_A])
    listeners = prepare_users(entity)
    total = WARMUP_CALLS + sum(int(rate * PHASE_SECONDS) for rate in LADDER)
    numbers = caller_numbers(entity.pk, total)
    profile = os.environ.get("BENCH_SCREEN_POP_PROFILE")
    profile_dir = Path(profile).resolve() if profile else None
    setups = [OURS_1, OURS_2] if os.environ.get("BENCH_SCREEN_POP_ONLY_OURS") else [OURS_1, OURS_2, BASELINE]
    if os.environ.get("BENCH_SCREEN_POP_ONLY_ONE_WEB"):
        setups = [OURS_1]
    results = [Result("websocket connections", USERS, "users", note="one per listening staff user")]
    for setup in setups:
        figures = run_server(setup, listeners, numbers, profile_dir)
        block = results_for(setup, figures)
        if setup is BASELINE:
            note = "webhook applies inline, classic RedisChannelLayer, new DB connection per request"
            block = [Result(r.metric, r.value, r.unit, r.target, note=r.note or note) for r in block]
        results += block
    return results
