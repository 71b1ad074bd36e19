"""One websocket per browser tab, joined to its user's group. Pushes arrive as HTML fragments.

A socket lives only as long as the session it was opened with: it re-checks that session when
told to (`session.check`, sent on sign-out, deactivation, password change, deletion), and the
process's `Heartbeat` checks the sessions of all its sockets every LIVE_SESSION_CHECK_SECONDS in
one go; a socket closes, taking no more pushes, once its session is over.

Channel layers deliver at most once, and with Redis down every push is lost while the tab's own
socket stays open. So every socket also gets a heartbeat every HEARTBEAT_SECONDS, straight down
the socket (not through the layer): `<div id="live-beat">` carrying the current version of what
the tab shows live (the header icon, each live call's wizard, the callback queue), read from the
database. A tab that sees a version it does not have, or no heartbeat for a while, re-syncs
itself over HTTP (static/js/live.js). Higher layers say what to version through
`heartbeat_providers` (filled in TelephonyConfig.ready()). One `Heartbeat` per process reads the
versions of all its sockets' users at once: a few queries per beat, however many sockets are open.
"""

import asyncio
import contextlib
import itertools
import logging
import random
import weakref
from collections.abc import Callable

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.html import format_html, format_html_join

from telephony.live.push import user_group
from telephony.live.sessions import session_signs_in, signing_in

logger = logging.getLogger(__name__)
UNAUTHENTICATED = 4401
SESSION_ENDED = 4403
HEARTBEAT_SECONDS = 5.0
# Each socket is beaten once per HEARTBEAT_SECONDS, a fifth of the sockets at a time: 200 beats
# read and sent at once held a web process's event loop for ~60 ms, and the popups behind them.
HEARTBEAT_SLICES = 5
# (user ids) -> {user id: {name: version}}: each becomes a `data-<name>` attribute of the beat.
heartbeat_providers: list[Callable[[list[int]], dict[int, dict[str, str]]]] = []


def heartbeats_html(user_ids: list[int]) -> dict[int, str]:
    versions: dict[int, dict[str, str]] = {user_id: {} for user_id in user_ids}
    for provider in heartbeat_providers:
        for user_id, found in provider(user_ids).items():
            versions[user_id].update(found)
    return {
        user_id: format_html(
            '<div id="live-beat" hidden data-every="{}"{}></div>',
            int(HEARTBEAT_SECONDS),
            format_html_join("", ' data-{}="{}"', sorted(found.items())),
        )
        for user_id, found in versions.items()
    }


class Heartbeat:
    """The beat of every socket open in this process (one per event loop): while any is open, it
    reads their users' versions and sends each socket its own once every
    `UserConsumer.heartbeat_seconds`, one slice of the sockets after the other."""

    def __init__(self) -> None:
        self.sockets: set[UserConsumer] = set()
        self.task: asyncio.Future | None = None
        self.joined = 0

    def join(self, socket: "UserConsumer") -> None:
        socket.beat_slice = self.joined % HEARTBEAT_SLICES  # round robin: the slices stay even
        socket.joined_at = asyncio.get_running_loop().time()
        # The first check between half a period and one and a half, at random: the tabs that
        # reconnect together after a restart would otherwise fall due together every period.
        period = settings.LIVE_SESSION_CHECK_SECONDS
        socket.session_due_at = socket.joined_at + period * random.uniform(0.5, 1.5)  # noqa: S311  (not a secret)
        self.joined += 1
        self.sockets.add(socket)
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())

    def leave(self, socket: "UserConsumer") -> None:
        self.sockets.discard(socket)
        if not self.sockets and self.task is not None:
            self.task.cancel()
            self.task = None

    async def _run(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            for turn in itertools.count():
                if not self.sockets:
                    break
                await asyncio.sleep(UserConsumer.heartbeat_seconds / HEARTBEAT_SLICES)
                await self.beat(turn % HEARTBEAT_SLICES)
                await self.check_sessions()

    async def beat(self, beat_slice: int | None = None) -> None:
        """Beat the sockets of one slice (all of them when None). A socket's first beat comes a
        period or more after it opened (under two: the tab watches for 2.5), as its tab has just
        synced itself."""
        settled = asyncio.get_running_loop().time() - UserConsumer.heartbeat_seconds
        sockets = [
            socket
            for socket in self.sockets
            if not socket.ended
            and (beat_slice is None or (socket.beat_slice == beat_slice and socket.joined_at <= settled))
        ]
        if not sockets:
            return
        try:
            beats = await database_sync_to_async(heartbeats_html)(sorted({s.user_id for s in sockets}))
        except Exception:  # no heartbeat this time: the tabs notice and re-sync by themselves
            logger.warning("Heartbeat for %d sockets failed", len(sockets), exc_info=True)
            return
        for socket in sockets:
            if not socket.ended:
                with contextlib.suppress(Exception):  # a socket closing meanwhile
                    await socket.send(text_data=beats[socket.user_id])

    async def check_sessions(self) -> None:
        """End the sockets whose session check is due and whose session no longer signs their
        user in (expired, or ended behind Django's back): one check for all of them."""
        now = asyncio.get_running_loop().time()
        due = [socket for socket in self.sockets if not socket.ended and socket.session_due_at <= now]
        if not due:
            return
        try:
            valid = await database_sync_to_async(signing_in)([(s.session_key, s.user_id) for s in due])
        except Exception:  # checked again next time
            logger.warning("Session check of %d sockets failed", len(due), exc_info=True)
            return
        for socket in due:
            socket.session_due_at = now + settings.LIVE_SESSION_CHECK_SECONDS
            if (socket.session_key, socket.user_id) not in valid:
                with contextlib.suppress(Exception):  # a socket closing meanwhile
                    await socket._end_session()


_heartbeats: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Heartbeat]" = weakref.WeakKeyDictionary()


def heartbeat() -> Heartbeat:
    """This process's (this event loop's) heartbeat."""
    loop = asyncio.get_running_loop()
    if loop not in _heartbeats:
        _heartbeats[loop] = Heartbeat()
    return _heartbeats[loop]


class UserConsumer(AsyncWebsocketConsumer):
    heartbeat_seconds = HEARTBEAT_SECONDS
    beat_slice = 0
    joined_at = 0.0
    session_due_at = 0.0

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.user_id = user.pk
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        self.ended = False
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        heartbeat().join(self)

    async def disconnect(self, code: int) -> None:
        heartbeat().leave(self)
        if hasattr(self, "group"):
            await self._leave_group()

    async def _leave_group(self) -> None:
        try:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        except Exception:  # the layer is down: the group entry expires there on its own
            logger.warning("Could not leave %s", self.group, exc_info=True)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The browser only listens; actions go through normal HTTP requests (CSRF, permissions).
        return

    async def push_html(self, event: dict) -> None:
        # Groups are per user, but check anyway: a message must never reach another user's tab.
        if self.ended or event.get("user_id") != self.user_id:
            return
        await self.send(text_data=event["html"])

    async def session_check(self, event: dict) -> None:
        if event.get("user_id") == self.user_id:
            await self._end_unless_signed_in()

    async def _end_unless_signed_in(self) -> None:
        if self.ended:
            return
        valid = await database_sync_to_async(session_signs_in)(
            session_key=self.session_key, user_id=self.user_id
        )
        if not valid:
            await self._end_session()

    async def _end_session(self) -> None:
        """The session this socket was opened with is over: no more pushes, and the tab is told."""
        if self.ended:
            return
        self.ended = True
        await self._leave_group()
        await self.close(code=SESSION_ENDED)
