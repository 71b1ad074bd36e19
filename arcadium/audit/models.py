"""One row per security-relevant action. Rows are written once and never changed."""

from typing import Any

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet):
    def for_entity(self, entity_id: int) -> "AuditEventQuerySet":
        return self.filter(entity_id=entity_id)


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        LOCKED_OUT = "locked_out", "Locked out after repeated failures"
        CONNECTOR_CHANGED = "connector_changed", "RingCentral connector changed"
        CONNECTED = "connected", "RingCentral connected"
        DISCONNECTED = "disconnected", "RingCentral disconnected"
        RINGCENTRAL_TICKED = "ringcentral_ticked", "RingCentral ticked for a user"
        RINGCENTRAL_UNTICKED = "ringcentral_unticked", "RingCentral unticked for a user"
        EXTENSION_MAPPED = "extension_mapped", "Extension mapping changed"
        RECORDING_PLAYED = "recording_played", "Recording played or downloaded"
        LINK_REFUSED = "link_refused", "RingCentral sign-in refused (wrong extension)"

    # A plain id, not a foreign key: the audit log sits below every app and outlives deletions.
    entity_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("who", max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    summary = models.CharField("what", max_length=300, blank=True)
    ip_address = models.GenericIPAddressField("from", null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "audit event"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are never changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are never deleted.")
