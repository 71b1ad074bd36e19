"""RingCentral connection state: one connector per company entity and the OAuth tokens under it."""

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from crm.models import Entity
from telephony.crypto import EncryptedTextField

PRODUCTION_SERVER = "https://platform.ringcentral.com"
SANDBOX_SERVER = "https://platform.devtest.ringcentral.com"


def server_url_choices() -> list[tuple[str, str]]:
    choices = [(PRODUCTION_SERVER, "RingCentral (production)"), (SANDBOX_SERVER, "RingCentral sandbox")]
    configured = settings.RINGCENTRAL_SERVER_URL
    if configured not in {PRODUCTION_SERVER, SANDBOX_SERVER}:
        # Only development and tests run the simulator; production names its own HTTPS server.
        label = "Built-in simulator" if settings.RINGCENTRAL_SIMULATOR_OFFERED else "Configured server"
        choices.append((configured, f"{label} ({configured})"))
    return choices


def default_server_url() -> str:
    return settings.RINGCENTRAL_SERVER_URL


def new_verification_token() -> str:
    return secrets.token_urlsafe(24)


class Connector(models.Model):
    """The company's RingCentral app registration and connection status."""

    class DeliveryMode(models.TextChoices):
        WEBHOOK = "webhook", "Webhook (RingCentral calls our public URL)"
        WEBSOCKET = "websocket", "WebSocket (the listener process connects out)"

    class Status(models.TextChoices):
        NOT_CONFIGURED = "not_configured", "Not configured"
        READY = "ready", "Ready (not connected yet)"
        CONNECTED = "connected", "Connected"
        ERROR = "error", "Error"

    entity = models.OneToOneField(
        "crm.Entity", on_delete=models.CASCADE, related_name="ringcentral_connector"
    )
    client_id = models.CharField("app client id", max_length=100, blank=True)
    client_secret = EncryptedTextField("app client secret", blank=True)
    server_url = models.URLField(
        "server", max_length=200, default=default_server_url, choices=server_url_choices
    )
    delivery_mode = models.CharField(
        max_length=10, choices=DeliveryMode.choices, default=DeliveryMode.WEBHOOK
    )
    public_base_url = models.URLField(
        "public base URL",
        max_length=200,
        blank=True,
        help_text="The address RingCentral delivers webhooks to, e.g. https://erp.example.com.",
    )
    verification_token = models.CharField(max_length=64, default=new_verification_token, editable=False)
    jwt_credential = EncryptedTextField(
        "JWT credential",
        blank=True,
        help_text="Optional admin JWT for company-wide call-log sync (created in the RingCentral console).",
    )
    account_id = models.CharField("RingCentral account id", max_length=32, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_CONFIGURED)
    last_error = models.TextField(blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by Disconnect, cleared by a successful connect: nobody listens meanwhile, but staff keep
    # their authorization (apart from `status`, which a failed reconnect attempt sets to error).
    switched_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "RingCentral connector"

    def __str__(self) -> str:
        return f"RingCentral connector for {self.entity}"

    @property
    def is_configured(self) -> bool:
        return bool(self.client_id and self.client_secret and self.server_url)

    @property
    def switched_off(self) -> bool:
        return self.switched_off_at is not None

    @property
    def webhook_mode(self) -> bool:
        return self.delivery_mode == self.DeliveryMode.WEBHOOK

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.status == self.Status.NOT_CONFIGURED and self.is_configured:
            self.status = self.Status.READY
        elif not self.is_configured:
            self.status = self.Status.NOT_CONFIGURED
        super().save(*args, **kwargs)


class RingCentralTokenQuerySet(models.QuerySet):
    def valid(self) -> "RingCentralTokenQuerySet":
        return self.filter(is_valid=True)

    def connector_level(self) -> "RingCentralTokenQuerySet":
        return self.filter(resource__isnull=True)


class RingCentralToken(models.Model):
    """One OAuth session: a resource's own, or (resource empty) the connector's admin/JWT session."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="tokens")
    resource = models.OneToOneField(
        "crm.Resource", null=True, blank=True, on_delete=models.CASCADE, related_name="ringcentral_token"
    )
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    owner_extension_id = models.CharField(max_length=32, blank=True)
    scope = models.TextField(blank=True)
    endpoint_id = models.CharField(max_length=100, blank=True)
    is_valid = models.BooleanField(
        default=True, help_text="False once RingCentral refused the refresh: the user must authorize again."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RingCentralTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "RingCentral token"
        constraints = [
            models.UniqueConstraint(
                fields=["connector"],
                condition=Q(resource__isnull=True),
                name="one_connector_level_token",
            )
        ]

    def __str__(self) -> str:
        who = self.resource or "connector"
        return f"RingCentral token ({who})"

    @property
    def is_connector_level(self) -> bool:
        return self.resource_id is None

    def access_expires_within(self, seconds: float) -> bool:
        if not self.access_token or self.access_expires_at is None:
            return True
        return (self.access_expires_at - timezone.now()).total_seconds() <= seconds

    @property
    def refresh_expired(self) -> bool:
        return self.refresh_expires_at is not None and self.refresh_expires_at <= timezone.now()


class Subscription(models.Model):
    """The RingCentral notification subscription that delivers one resource's telephony events."""

    class Transport(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        WEBSOCKET = "websocket", "WebSocket (listener)"

    class Status(models.TextChoices):
        PENDING = "pending", "Being created"
        ACTIVE = "active", "Active"
        BLACKLISTED = "blacklisted", "Blacklisted by RingCentral"
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Failed"

    resource = models.OneToOneField(
        "crm.Resource", on_delete=models.CASCADE, related_name="ringcentral_subscription"
    )
    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="subscriptions")
    transport = models.CharField(max_length=10, choices=Transport.choices)
    rc_subscription_id = models.CharField(
        "RingCentral subscription id", max_length=64, blank=True, db_index=True
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    # WebSocket transport: the listener process stamps this while its connection is up.
    listener_seen_at = models.DateTimeField(null=True, blank=True)
    # Webhook transport: since when RingCentral has not answered the minutely check (None: it does).
    unreachable_since = models.DateTimeField(null=True, blank=True)
    # What the webhook answered the last deliveries, oldest first ("1" taken, "0" refused); empty
    # while none of the last ones was refused, so a healthy delivery writes nothing.
    recent_deliveries = models.CharField(max_length=5, blank=True)
    # The user's RingCentral presence, from presence events (or read when DND is switched).
    presence_status = models.CharField(max_length=20, blank=True)  # Available | Busy | Offline
    telephony_status = models.CharField(max_length=20, blank=True)  # NoCall | Ringing | CallConnected…
    dnd_status = models.CharField(max_length=40, blank=True)  # TakeAllCalls | DoNotAcceptAnyCalls…
    presence_sequence = models.BigIntegerField(null=True, blank=True)
    presence_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return (
            f"{self.get_transport_display()} subscription for {self.resource} ({self.get_status_display()})"
        )

    def expires_within(self, seconds: float) -> bool:
        return self.expires_at is None or (self.expires_at - timezone.now()).total_seconds() <= seconds


class CallQuerySet(models.QuerySet):
    def for_entity(self, entity: Entity | int) -> "CallQuerySet":
        return self.filter(entity=entity)

    def live(self) -> "CallQuerySet":
        return self.filter(state__in=Call.LIVE_STATES)


class Call(models.Model):
    """One user's phone call: their party of a RingCentral telephony session (live) and/or its
    call-log record (sync). Live events and the call-log sync converge on the same row through
    (telephony_session_id, extension_id); a colleague's party of the same session is their own row.

    Who owns each field, so that the same call shows the same figures before and after a sync:

    - `started_at`: when the call reached the user's extension, from the first event of their
      party (`ingest/call_state.py`). The call log's start is the session's (before an IVR or a
      queue), so it only fills a row that never saw an event.
    - `answered_at`: the live events only (first `Answered`/`Hold`); the log does not carry it.
    - `ended_at`: the end of the user's party (live); the log fills it (start + duration) when
      the end event was lost.
    - `duration_seconds`: talk time, answer to end (live); for a call known only from the log,
      the log's duration of a call that connected. Ring time is `ring_seconds`, derived.
    - `state`: the live events while the call is live; the log ends a call still live in our
      records (events lost) and corrects a "missed" whose answer event was lost.
    - `result`: in the call log's own words ("Accepted", "Call connected", "Missed",
      "Voicemail", "No Answer"…); the live path writes the word the log will use, and the log's
      word is final once it arrives (`history/sync.py`).
    - `recording_id`: the log's when it has one (live fills it first from the party's
      recordings); an empty value never erases it.
    - numbers, names, session id, extension, resource: the first source to know them; the other
      only fills blanks. `customer`/`contact`/`matched_on`: the wizard or a person; the sync
      matches only a call nobody saw. Notes and reports live in `callreports` and are never
      touched by either path.
    """

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class State(models.TextChoices):
        DIALLING = "dialling", "Dialling…"  # an outbound call placed from Arcadium, not ringing yet
        RINGING = "ringing", "Ringing"
        ON_CALL = "on_call", "On call"
        ON_HOLD = "on_hold", "On hold"
        ENDED = "ended", "Ended"
        MISSED = "missed", "Missed call"

    LIVE_STATES = (State.DIALLING, State.RINGING, State.ON_CALL, State.ON_HOLD)

    entity = models.ForeignKey("crm.Entity", on_delete=models.PROTECT, related_name="calls")
    resource = models.ForeignKey(
        "crm.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    telephony_session_id = models.CharField(max_length=64, blank=True)
    session_id = models.CharField(max_length=32, blank=True)
    call_log_id = models.CharField(max_length=64, blank=True)
    # Click-to-dial through RingOut: RingCentral's RingOut id (for status and cancel).
    ring_out_id = models.CharField("RingOut id", max_length=100, blank=True)
    party_id = models.CharField("the resource's party id", max_length=80, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RINGING)
    muted = models.BooleanField(default=False)
    from_number = models.CharField(max_length=32, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    to_number = models.CharField(max_length=32, blank=True)
    to_name = models.CharField(max_length=200, blank=True)
    extension_id = models.CharField("RingCentral extension id", max_length=32, blank=True)
    # Set when the other side is a colleague's extension (an internal call).
    other_extension_id = models.CharField("other side's extension id", max_length=32, blank=True)
    popped_up_at = models.DateTimeField("wizard shown at", null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    result = models.CharField("RingCentral result", max_length=40, blank=True)
    recording_id = models.CharField(max_length=40, blank=True)
    customer = models.ForeignKey(
        "crm.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    matched_on = models.CharField("where the match came from", max_length=200, blank=True)
    # An unknown caller's reverse lookup: queued (or last re-queued) at, until its answer is
    # shown, so a lookup lost with Redis or the worker is queued again; and its answer, so the
    # wizard shows it without the cache.
    lookup_queued_at = models.DateTimeField(null=True, blank=True)
    lookup_outcome = models.JSONField(null=True, blank=True)
    # Last applied notification sequence per party id: older events never overwrite newer state.
    party_sequences = models.JSONField(default=dict, blank=True)
    # The transfer this call takes part in (the call passed on, its consult call, or the
    # colleague's party it became): read without a query, so ordinary calls cost nothing more.
    transfer = models.ForeignKey(
        "telephony.Transfer", null=True, blank=True, on_delete=models.SET_NULL, related_name="legs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        constraints = [
            # One row per user's party of a session: a call transferred to a colleague, or an
            # internal call, is a call for each of them (their own wizard, result and log record).
            models.UniqueConstraint(
                fields=["entity", "telephony_session_id", "extension_id"],
                condition=~Q(telephony_session_id=""),
                name="call_unique_session_extension",
            ),
            models.UniqueConstraint(
                fields=["entity", "call_log_id"], condition=~Q(call_log_id=""), name="call_unique_call_log_id"
            ),
        ]
        indexes = [
            models.Index(fields=["entity", "customer", "-started_at"], name="call_customer_recent_idx"),
            models.Index(fields=["entity", "contact", "-started_at"], name="call_contact_recent_idx"),
            models.Index(fields=["resource", "-started_at"], name="call_resource_recent_idx"),
            models.Index(
                fields=["lookup_queued_at"],
                condition=Q(lookup_queued_at__isnull=False),
                name="call_lookup_pending_idx",
            ),
            # Call insights (telephony/insights): a company's calls from outside over 12 weeks,
            # read from the index alone (bench/insights.py: 100,000 calls).
            models.Index(
                fields=["entity", "started_at"],
                include=["answered_at", "state", "telephony_session_id", "resource", "customer"],
                condition=Q(direction="inbound", other_extension_id=""),
                name="call_inbound_insights_idx",
            ),
            # The heartbeat: each user's live calls whose wizard is open, every second for a
            # slice of the sockets, without reading their whole call history.
            models.Index(
                fields=["resource"],
                condition=Q(
                    popped_up_at__isnull=False, state__in=["dialling", "ringing", "on_call", "on_hold"]
                ),
                name="call_live_popped_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} call {self.caller_number} ({self.get_state_display()})"

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE_STATES

    @property
    def is_ended(self) -> bool:
        return self.state in (self.State.ENDED, self.State.MISSED)

    @property
    def ring_seconds(self) -> int | None:
        """How long it rang for the user: until answered, or until it ended unanswered."""
        until = self.answered_at or (self.ended_at if self.is_ended else None)
        if not self.party_sequences or self.started_at is None or until is None:
            return None  # known only from the call log: its start is the session's, not the ring's
        return max(0, int((until - self.started_at).total_seconds()))

    @property
    def talk_seconds(self) -> int | None:
        """Answer to hang-up (the call log's duration for a connected call known only from it)."""
        return self.duration_seconds if self.state == self.State.ENDED else None

    @property
    def caller_number(self) -> str:
        """The other side's number, from the staff member's point of view."""
        return self.from_number if self.direction == self.Direction.INBOUND else self.to_number

    @property
    def caller_name(self) -> str:
        return self.from_name if self.direction == self.Direction.INBOUND else self.to_name


class CallEvent(models.Model):
    """Inbox of raw RingCentral notifications, stored before they are applied (unique by uuid).

    Waiting to be applied: `processed_at` and `error` empty (the ingest process claims these);
    failed: `processed_at` empty with an `error` (retried by beat); applied: `processed_at` set.
    On PostgreSQL every insert also NOTIFYs the ingest processes (migration 0009).
    """

    # Waiting, in SQL (the partial index callevent_waiting_idx serves it in id order).
    WAITING_SQL = "processed_at IS NULL AND error = ''"

    uuid = models.CharField(max_length=64, unique=True)
    subscription_id = models.CharField(max_length=64, db_index=True)  # RingCentral's id, as sent
    # The row the door checked the delivery against; the ingest process applies the event for it.
    source = models.ForeignKey(
        "Subscription", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    telephony_session_id = models.CharField(max_length=64, blank=True, db_index=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["processed_at"], name="callevent_unprocessed_idx"),
            # What the ingest processes claim, oldest first: stays as small as the backlog.
            models.Index(
                fields=["id"],
                condition=models.Q(processed_at__isnull=True, error=""),
                name="callevent_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"RingCentral event {self.uuid}"


from telephony.models_sync import CallLogSync  # noqa: E402,F401 - registered with this app
from telephony.models_transfer import Transfer  # noqa: E402,F401 - registered with this app
from telephony.models_webphone import WebPhoneCredential  # noqa: E402,F401 - registered with this app
