"""The simulated RingCentral account: extensions, devices, OAuth apps and tokens, call log, recordings."""

import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_digits_id(length: int = 10) -> str:
    return str(secrets.randbelow(9 * 10 ** (length - 1)) + 10 ** (length - 1))


class Account(models.Model):
    id = models.CharField(primary_key=True, max_length=20)
    company_name = models.CharField(max_length=100)
    main_number = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"{self.company_name} ({self.id})"


class ExtensionQuerySet(models.QuerySet):
    def users(self):
        return self.filter(type=Extension.USER)

    def find_login(self, login: str):
        """Login-page lookup: extension number, e-mail or direct phone number."""
        login = login.strip()
        query = models.Q(extension_number=login) | models.Q(email__iexact=login)
        digits = "".join(ch for ch in login if ch.isdigit())
        if len(digits) >= 10:
            query |= models.Q(phone_number__endswith=digits[-10:])
        return self.filter(query).first()


class Extension(models.Model):
    USER = "User"
    TYPES = ["User", "Department", "Announcement", "Voicemail", "IvrMenu", "Site", "ParkLocation", "Limited"]
    STATUSES = ["Enabled", "Disabled", "Frozen", "NotActivated", "Unassigned"]

    id = models.CharField(primary_key=True, max_length=20)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="extensions")
    extension_number = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=30, default=USER)
    status = models.CharField(max_length=20, default="Enabled")
    first_name = models.CharField(max_length=50, blank=True)
    last_name = models.CharField(max_length=50, blank=True)
    email = models.CharField(max_length=200, blank=True)
    phone_number = models.CharField(max_length=20, blank=True, help_text="Direct number, E.164")
    is_admin = models.BooleanField(default=False)
    # Plain text on purpose: this is a simulator and the login page shows the demo password.
    password = models.CharField(max_length=100, blank=True)
    jwt = models.CharField(max_length=200, blank=True, help_text="JWT credential for the jwt-bearer grant")
    created = models.DateTimeField(default=timezone.now)

    objects = ExtensionQuerySet.as_manager()

    class Meta:
        ordering = ["extension_number"]
        constraints = [
            models.UniqueConstraint(fields=["account", "extension_number"], name="sim_ext_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.extension_number} {self.name}"

    @property
    def can_log_in(self) -> bool:
        return self.type == self.USER and self.status == "Enabled" and bool(self.password)


class Device(models.Model):
    id = models.CharField(primary_key=True, max_length=20, default=new_digits_id)
    extension = models.ForeignKey(Extension, on_delete=models.CASCADE, related_name="devices")
    type = models.CharField(max_length=30, default="SoftPhone")  # SoftPhone, HardPhone, OtherPhone, WebPhone
    name = models.CharField(max_length=100)
    model_name = models.CharField(max_length=100, blank=True)
    serial = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, default="Online")  # Online, Offline

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class App(models.Model):
    client_id = models.CharField(primary_key=True, max_length=100)
    client_secret = models.CharField(max_length=200, blank=True, help_text="Empty = public (PKCE) client")
    name = models.CharField(max_length=100)
    redirect_uris = models.JSONField(default=list, blank=True)
    permissions = models.CharField(
        max_length=500,
        default="ReadAccounts ReadCallLog EditCallLog ReadCallRecording CallControl WebhookSubscriptions "
        "ReadPresence RingOut TelephonySessions VoipCalling WebSocket ReadMessages",
    )
    allow_dev_redirects = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return not self.client_secret


class AuthCode(models.Model):
    code = models.CharField(primary_key=True, max_length=100, default=new_token)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    extension = models.ForeignKey(Extension, on_delete=models.CASCADE)
    redirect_uri = models.CharField(max_length=1000)
    code_challenge = models.CharField(max_length=200, blank=True)
    code_challenge_method = models.CharField(max_length=10, blank=True)
    expires_at = models.DateTimeField()
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"authorization code for {self.extension_id}"

    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class TokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked=False)


class Token(models.Model):
    """One access/refresh pair. A refresh makes a new row in the same session and retires this one."""

    session_id = models.CharField(max_length=40, db_index=True)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    extension = models.ForeignKey(Extension, on_delete=models.CASCADE, related_name="tokens")
    access_token = models.CharField(max_length=200, unique=True, default=new_token)
    refresh_token = models.CharField(max_length=200, unique=True, null=True, blank=True)
    endpoint_id = models.CharField(max_length=100, blank=True)
    scope = models.CharField(max_length=500, blank=True)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True, help_text="Replaced by a refresh")
    successor = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked = models.BooleanField(default=False)

    objects = TokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"token of {self.extension_id} (session {self.session_id})"

    @property
    def expires_in(self) -> int:
        return max(0, int((self.access_expires_at - timezone.now()).total_seconds()))

    @property
    def refresh_expires_in(self) -> int:
        if self.refresh_expires_at is None:
            return 0
        return max(0, int((self.refresh_expires_at - timezone.now()).total_seconds()))


class WsToken(models.Model):
    token = models.CharField(primary_key=True, max_length=200, default=new_token)
    extension = models.ForeignKey(Extension, on_delete=models.CASCADE)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    expires_at = models.DateTimeField()
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"ws token for {self.extension_id}"

    @classmethod
    def issue(cls, *, extension: Extension, app: App, ttl: int) -> "WsToken":
        return cls.objects.create(
            extension=extension, app=app, expires_at=timezone.now() + timedelta(seconds=ttl)
        )


class Recording(models.Model):
    id = models.CharField(primary_key=True, max_length=20, default=new_digits_id)
    type = models.CharField(max_length=20, default="Automatic")  # Automatic | OnDemand
    duration = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=40, default="audio/wav")

    def __str__(self) -> str:
        return self.id


class Message(models.Model):
    """One message-store entry; the simulator only makes voicemail (type `VoiceMail`, inbound)."""

    VOICEMAIL = "VoiceMail"

    id = models.CharField(primary_key=True, max_length=20, default=new_digits_id)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="messages")
    extension = models.ForeignKey(Extension, on_delete=models.CASCADE, related_name="messages")
    type = models.CharField(max_length=20, default=VOICEMAIL)
    direction = models.CharField(max_length=10, default="Inbound")
    from_party = models.JSONField(default=dict)
    to_party = models.JSONField(default=list)
    creation_time = models.DateTimeField(default=timezone.now)
    last_modified_time = models.DateTimeField(default=timezone.now)
    read_status = models.CharField(max_length=10, default="Unread")  # Read | Unread
    availability = models.CharField(max_length=10, default="Alive")  # Alive | Deleted | Purged
    priority = models.CharField(max_length=10, default="Normal")
    vm_duration = models.PositiveIntegerField(default=0)
    audio_id = models.CharField(max_length=20, default=new_digits_id)
    transcription_id = models.CharField(max_length=20, default=new_digits_id)
    transcription = models.TextField(blank=True, help_text="Empty: no voicemail-to-text for this message")
    transcription_status = models.CharField(max_length=20, default="Completed")  # InProgress | Completed
    telephony_session_id = models.CharField(max_length=80, blank=True, db_index=True)

    class Meta:
        ordering = ["-creation_time", "-id"]
        indexes = [models.Index(fields=["extension", "-creation_time"], name="sim_msg_ext_created")]

    def __str__(self) -> str:
        return f"{self.type} {self.id} for {self.extension_id}"


class CallLogRecord(models.Model):
    id = models.CharField(primary_key=True, max_length=30)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="call_log")
    extension = models.ForeignKey(
        Extension, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_id = models.CharField(max_length=40)
    telephony_session_id = models.CharField(max_length=80, blank=True, db_index=True)
    party_id = models.CharField(max_length=80, blank=True)
    start_time = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    type = models.CharField(max_length=10, default="Voice")
    direction = models.CharField(max_length=10)  # Inbound | Outbound
    action = models.CharField(max_length=40, default="Phone Call")
    result = models.CharField(max_length=40, default="Accepted")
    reason = models.CharField(max_length=60, blank=True)
    reason_description = models.CharField(max_length=200, blank=True)
    transport = models.CharField(max_length=10, default="PSTN")
    internal_type = models.CharField(max_length=40, blank=True)
    from_party = models.JSONField(default=dict)
    to_party = models.JSONField(default=dict)
    recording = models.ForeignKey(Recording, null=True, blank=True, on_delete=models.SET_NULL)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    legs = models.JSONField(default=list, blank=True)
    last_modified_time = models.DateTimeField(default=timezone.now)
    deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-start_time", "-id"]
        indexes = [
            models.Index(fields=["account", "-start_time"], name="sim_clog_acct_start"),
            models.Index(fields=["extension", "-start_time"], name="sim_clog_ext_start"),
            models.Index(fields=["last_modified_time"], name="sim_clog_modified"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.start_time:%Y-%m-%d %H:%M} {self.result}"

    @property
    def duration(self) -> int:
        return round(self.duration_ms / 1000)
