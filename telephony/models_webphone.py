"""A staff member's browser-phone credentials (RingCentral `sip-provision`), encrypted at rest."""

from django.db import models
from django.utils import timezone

from telephony.crypto import EncryptedTextField


class WebPhoneCredential(models.Model):
    """The SIP account of one staff member's browser phone. `sip_info` holds the SIP password, so
    it is encrypted like the OAuth tokens and only ever handed to that user's own browser."""

    resource = models.OneToOneField(
        "crm.Resource", on_delete=models.CASCADE, related_name="webphone_credential"
    )
    device_id = models.CharField("RingCentral WebPhone device id", max_length=64, blank=True)
    sip_info = EncryptedTextField(help_text="RingCentral's sipInfo as JSON (encrypted).")
    provisioned_at = models.DateTimeField()
    refresh_after = models.DateTimeField(help_text="Asked for again from this moment, before they lapse.")

    class Meta:
        verbose_name = "web phone credential"

    def __str__(self) -> str:
        return f"Web phone of {self.resource}"

    @property
    def fresh(self) -> bool:
        return timezone.now() < self.refresh_after
