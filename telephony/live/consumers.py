"""One websocket per browser tab, joined to its user's group. Pushes arrive as HTML fragments.

A socket lives only as long as the session it was opened with: it re-checks that session when
told to (`session.check`, sent on sign-out, deactivation, password change, deletion) and every
LIVE_SESSION_CHECK_SECONDS, and closes, taking no more pushes, once the session is over.
"""

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from telephony.live.push import user_group
from telephony.live.sessions import session_signs_in

UNAUTHENTICATED = 4401
SESSION_ENDED = 4403


class UserConsumer(AsyncWebsocketConsumer):
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

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "watch"):
            self.watch.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

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
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.close(code=SESSION_ENDED)
