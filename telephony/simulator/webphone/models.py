"""SIP credentials of the simulator's web-phone devices (what `sip-provision` hands out)."""

import secrets

from django.db import models

from telephony.simulator.platform.models import Device


def _authorization_id() -> str:
    return str(800_000_000_000 + secrets.randbelow(99_999_999_999))


def _password() -> str:
    return secrets.token_urlsafe(12)


class SipCredential(models.Model):
    device = models.OneToOneField(Device, primary_key=True, on_delete=models.CASCADE, related_name="sip")
    authorization_id = models.CharField(max_length=20, unique=True, default=_authorization_id)
    # Plain text on purpose: a simulator, and digest authentication needs the password itself.
    password = models.CharField(max_length=40, default=_password)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"SIP credential of device {self.device_id}"

    @property
    def username(self) -> str:
        """RingCentral's form: the user's number digits, `*`, the extension number."""
        extension = self.device.extension
        number = (extension.phone_number or extension.account.main_number).lstrip("+")
        return f"{number}*{extension.extension_number}"
