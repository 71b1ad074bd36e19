"""The ingest process (`manage.py run_ingest`): applies what the doors stored in the inbox.

It sleeps until PostgreSQL's NOTIFY says the inbox grew (the trigger of migration 0011; a poll
every `idle_seconds` covers a missed notification, and is all there is on SQLite), then claims
waiting events in batches until none wait: one event per batch when calls are few, up to
`batch_size` (one COMMIT for all of them) under load. Any number of ingest
processes may run on any hosts: FOR UPDATE SKIP LOCKED gives each event to exactly one.

Only one of them, the one holding an advisory lock, listens to the inbox: were they all woken
by every event, all but one would claim nothing, on the same CPUs as the one that claims. When
a batch finds more than one event waiting (a backlog is forming), it wakes the others on a
second channel; they claim until nothing waits, then wait again. The others poll every
`idle_seconds` too, and take the lock (and the listening) within one poll of its holder's end.
"""

import logging
import os
import threading
import time

import psycopg
from django.db import DatabaseError, close_old_connections, connection

from telephony.ingest import events

logger = logging.getLogger(__name__)

CHANNEL = "arcadium_ingest"  # the channel migration 0011's trigger notifies
HELP_CHANNEL = "arcadium_ingest_help"  # the listening process asks the others to help
LISTENER_LOCK = 0x41524349  # pg_try_advisory_lock key: the process that listens to the inbox


class Wakeup:
    """A connection of its own that waits for work (PostgreSQL only): the inbox's notifications
    while this process holds the listener lock, a call for help otherwise."""

    def __init__(self) -> None:
        self.listening: psycopg.Connection | None = None
        self.listens_to_inbox = False

    def wait(self, seconds: float) -> bool:
        """Until there may be work, or `seconds`; True when told there is."""
        if connection.vendor != "postgresql":
            time.sleep(seconds)
            return False
        try:
            if self.listening is None or self.listening.closed:
                self.listening = psycopg.connect(
                    **_listen_params(), autocommit=True, application_name=f"arcadium-ingest-{os.getpid()}"
                )
                self.listens_to_inbox = False
                self.listening.execute(f"LISTEN {HELP_CHANNEL}")
                self._take_the_inbox()
                return True  # rows may have come in before we listened: look at once
            if not self.listens_to_inbox and self._take_the_inbox():
                return True  # the listener is gone: what it left waiting is ours now
            return any(True for _ in self.listening.notifies(timeout=seconds, stop_after=1))
        except psycopg.Error:
            logger.warning("Lost the inbox notifications; polling until they are back", exc_info=True)
            self.close()
            time.sleep(seconds)
            return False

    def _take_the_inbox(self) -> bool:
        """Become the process that listens to the inbox, if none is (the lock lives as long as
        this connection)."""
        assert self.listening is not None
        row = self.listening.execute("SELECT pg_try_advisory_lock(%s)", [LISTENER_LOCK]).fetchone()
        taken = bool(row and row[0])
        if taken:
            self.listening.execute(f"UNLISTEN {HELP_CHANNEL}; LISTEN {CHANNEL}")
            self.listens_to_inbox = True
        return taken

    def ask_for_help(self) -> None:
        """Wake the other ingest processes: events are waiting faster than this one applies them."""
        if self.listens_to_inbox and self.listening is not None and not self.listening.closed:
            try:
                self.listening.execute(f"NOTIFY {HELP_CHANNEL}")
            except psycopg.Error:
                self.close()

    def close(self) -> None:
        if self.listening is not None:
            self.listening.close()
            self.listening = None
            self.listens_to_inbox = False


def _listen_params() -> dict:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return params


def run(*, batch_size: int, idle_seconds: float = 1.0, stop: threading.Event | None = None) -> None:
    """Apply waiting events until `stop` is set (a batch under way is finished first). Waking,
    claiming, applying and pushing all happen in the calling thread: no hop between threads on
    the way from a stored event to its push (`push` publishes from this thread)."""
    _work(batch_size, idle_seconds, stop or threading.Event())


def _work(batch_size: int, idle_seconds: float, stop: threading.Event) -> None:
    wakeup = Wakeup()
    try:
        while not stop.is_set():
            claimed = _step(batch_size)
            if claimed == 0:
                wakeup.wait(idle_seconds)
            elif claimed > 1:  # more came in while the last batch was applied
                wakeup.ask_for_help()
    finally:
        _close(wakeup)


def _close(wakeup: Wakeup) -> None:
    wakeup.close()
    connection.close()


def _step(batch_size: int) -> int:
    """One batch; a database error (a deadlock, PostgreSQL restarting) rolls the batch back
    whole and its events are claimed again."""
    try:
        return events.apply_waiting(limit=batch_size)
    except DatabaseError:
        logger.warning("An ingest batch failed and was rolled back; retrying", exc_info=True)
        close_old_connections()
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        time.sleep(0.5)
        return 0
