"""One websocket per browser tab, joined to its user's group. Pushes arrive as HTML fragments.

A socket lives only as long as the session it was opened with: it re-checks that session when
told to (`session.check`, sent on sign-out, deactivation, password change, deletion) and every
LIVE_SESSION_CHECK_SECONDS, and closes, taking no more pushes, once the session is over.

Channel layers deliver at most once, and with Redis down every push is lost while the tab's own
socket stays open. So the consumer also sends a heartbeat of its own every HEARTBEAT_SECONDS,
straight down the socket (not through the layer): `<div id="live-beat">` carrying the current
version of what the tab shows live (the header icon, each live call's wizard), read from the
database. A tab that sees a version it does not have, or no heartbeat for a while, re-syncs
itself over HTTP (static/js/live.js). Higher layers say what to version through
`heartbeat_providers` (filled in TelephonyConfig.ready()).
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.html import format_html, format_html_join

from telephony.live.push import user_group
from telephony.live.sessions import session_signs_in

logger = logging.getLogger(__name__)
UNAUTHENTICATED = 4401
SESSION_ENDED = 4403
HEARTBEAT_SECONDS = 5.0
# (user_id) -> {name: version}: each becomes a `data-<name>` attribute of the heartbeat.
heartbeat_providers: list[Callable[[int], dict[str, str]]] = []


def heartbeat_html(user_id: int) -> str:
    versions: dict[str, str] = {}
    for provider in heartbeat_providers:
        versions.update(provider(user_id))
    attributes = format_html_join("", ' data-{}="{}"', sorted(versions.items()))
    return format_html(
        '<div id="live-beat" hidden data-every="{}"{}></div>', int(HEARTBEAT_SECONDS), attributes
    )


class UserConsumer(AsyncWebsocketConsumer):
    heartbeat_seconds = HEARTBEAT_SECONDS

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
        self.watch = asyncio.ensure_future(self._check_periodically())
        self.beating = asyncio.ensure_future(self._beat())

    async def disconnect(self, code: int) -> None:
        for task in (getattr(self, "watch", None), getattr(self, "beating", None)):
            if task is not None:
                task.cancel()
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

    async def _check_periodically(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while not self.ended:
                await asyncio.sleep(settings.LIVE_SESSION_CHECK_SECONDS)
                await self._end_unless_signed_in()

    async def _end_unless_signed_in(self) -> None:
        if self.ended:
            return
        valid = await database_sync_to_async(session_signs_in)(
            session_key=self.session_key, user_id=self.user_id
        )
        if not valid and not self.ended:
            self.ended = True
            await self._leave_group()
            await self.close(code=SESSION_ENDED)

    async def _beat(self) -> None:
        while not self.ended:
            await asyncio.sleep(self.heartbeat_seconds)
            if self.ended:
                return
            try:
                html = await database_sync_to_async(heartbeat_html)(self.user_id)
            except Exception:  # no heartbeat this time: the tab notices and re-syncs by itself
                logger.warning("Heartbeat for user %s failed", self.user_id, exc_info=True)
                continue
            await self.send(text_data=html)
