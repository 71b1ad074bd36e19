"""Calls, subscriptions and what was delivered to them — the simulator's voice tables."""

import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone

from telephony.simulator.platform.models import Account, App, Extension, new_token


class Call(models.Model):
    """One telephony session. `state` is the serialized `machine.CallSession`."""

    telephony_session_id = models.CharField(primary_key=True, max_length=40)
    session_id = models.CharField(max_length=20, db_index=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, default="inbound")  # inbound | internal | outbound | ringout
    state = models.JSONField()
    options = models.JSONField(default=dict, blank=True)
    live = models.BooleanField(default=True, db_index=True)
    created = models.DateTimeField(default=timezone.now)
    ended = models.DateTimeField(null=True, blank=True)
    call_log_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.telephony_session_id


def _subscription_id() -> str:
    return str(uuid.uuid4())


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Subscription.ACTIVE, expiration_time__gt=timezone.now())

    def visible(self):
        """Not yet expired (RingCentral purges expired subscriptions: they read as 404)."""
        return self.filter(expiration_time__gt=timezone.now())


class Subscription(models.Model):
    ACTIVE, BLACKLISTED = "Active", "Blacklisted"
    WEBHOOK, WEBSOCKET = "WebHook", "WebSocket"

    id = models.CharField(primary_key=True, max_length=40, default=_subscription_id)
    extension = models.ForeignKey(Extension, on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey(App, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    transport = models.CharField(max_length=10, default=WEBHOOK)
    address = models.CharField(max_length=1000, blank=True)
    verification_token = models.CharField(max_length=200, blank=True)
    event_filters = models.JSONField(default=list)
    status = models.CharField(max_length=20, default=ACTIVE)
    creation_time = models.DateTimeField(default=timezone.now)
    expiration_time = models.DateTimeField()
    ttl = models.PositiveIntegerField(default=604800, help_text="expiresIn asked for; renew extends by it")
    blacklisted_at = models.DateTimeField(null=True, blank=True)
    blacklisted_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    ws_session = models.CharField(max_length=100, blank=True, db_index=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["creation_time"]

    def __str__(self) -> str:
        return f"{self.transport} {self.id}"

    @property
    def expires_in(self) -> int:
        return max(0, int((self.expiration_time - timezone.now()).total_seconds()))

    def extend(self, seconds: int | None = None) -> None:
        seconds = self.ttl if seconds is None else seconds
        self.expiration_time = timezone.now() + timedelta(seconds=seconds)


def _wsc_token() -> str:
    return new_token(48)


class WsSession(models.Model):
    """One WebSocket gateway session; its `token` is the `wsc` recovery token."""

    token = models.CharField(primary_key=True, max_length=100, default=_wsc_token)
    extension = models.ForeignKey(Extension, on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey(App, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField(default=1)
    connected = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ws session of {self.extension_id}"


class Delivery(models.Model):
    PENDING, DELIVERED, FAILED, BUFFERED, SKIPPED = "pending", "delivered", "failed", "buffered", "skipped"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    uuid = models.CharField(max_length=40, db_index=True)
    event = models.CharField(max_length=300)
    payload = models.JSONField()
    telephony_session_id = models.CharField(max_length=40, blank=True, db_index=True)
    state = models.CharField(max_length=10, default=PENDING)
    http_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)
    attempted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.uuid} → {self.subscription_id} ({self.state})"


class Presence(models.Model):
    """What a user set of their presence (PUT .../presence): Do Not Disturb and user status."""

    TAKE_ALL, DO_NOT_ACCEPT_ANY = "TakeAllCalls", "DoNotAcceptAnyCalls"
    DND_STATUSES = (TAKE_ALL, DO_NOT_ACCEPT_ANY, "DoNotAcceptDepartmentCalls", "TakeDepartmentCallsOnly")
    USER_STATUSES = ("Offline", "Busy", "Available")

    extension = models.OneToOneField(Extension, primary_key=True, on_delete=models.CASCADE, related_name="+")
    dnd_status = models.CharField(max_length=40, default=TAKE_ALL)
    user_status = models.CharField(max_length=20, default="Available")

    def __str__(self) -> str:
        return f"presence of {self.extension_id}: {self.dnd_status}"

    @classmethod
    def of(cls, extension_id: str) -> "Presence":
        return cls.objects.filter(extension_id=extension_id).first() or cls(extension_id=extension_id)

    @property
    def do_not_disturb(self) -> bool:
        return self.dnd_status == self.DO_NOT_ACCEPT_ANY
