"""RingCentral connection state: one connector per company entity and the OAuth tokens under it."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from telephony.crypto import EncryptedTextField

PRODUCTION_SERVER = "https://platform.ringcentral.com"
SANDBOX_SERVER = "https://platform.devtest.ringcentral.com"


def server_url_choices() -> list[tuple[str, str]]:
    choices = [(PRODUCTION_SERVER, "RingCentral (production)"), (SANDBOX_SERVER, "RingCentral sandbox")]
    simulator = settings.RINGCENTRAL_SERVER_URL
    if simulator not in {PRODUCTION_SERVER, SANDBOX_SERVER}:
        choices.append((simulator, f"Built-in simulator ({simulator})"))
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

    class Meta:
        verbose_name = "RingCentral connector"

    def __str__(self) -> str:
        return f"RingCentral connector for {self.entity}"

    @property
    def is_configured(self) -> bool:
        return bool(self.client_id and self.client_secret and self.server_url)

    @property
    def webhook_mode(self) -> bool:
        return self.delivery_mode == self.DeliveryMode.WEBHOOK

    def save(self, *args, **kwargs) -> None:
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
