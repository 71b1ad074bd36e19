"""One websocket per browser tab, joined to its user's group. Pushes arrive as HTML fragments."""

from channels.generic.websocket import AsyncWebsocketConsumer

from telephony.live.push import user_group

UNAUTHENTICATED = 4401


class UserConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The browser only listens; actions go through normal HTTP requests (CSRF, permissions).
        return

    async def push_html(self, event: dict) -> None:
        # Groups are per user, but check anyway: a message must never reach another user's tab.
        if event.get("user_id") != self.user_id:
            return
        await self.send(text_data=event["html"])
