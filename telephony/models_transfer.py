"""A transfer of a call to a colleague or a number: who asked, to whom, how, and the consult call.

Imported at the bottom of telephony/models.py so Django registers it with the telephony app.
What the transfer *is doing* is never stored here: it is read from the calls RingCentral reports
(`telephony/transfer/state.py`). Rows here are written only by the transfer services, never
under a Call row lock (see `telephony/transfer/services.py` on lock order).
"""

from django.db import models


class Transfer(models.Model):
    class Kind(models.TextChoices):
        COLD = "cold", "Transfer now"
        WARM = "warm", "Ask first"
        FORWARD = "forward", "Forward"

    entity = models.ForeignKey("crm.Entity", on_delete=models.PROTECT, related_name="transfers")
    # The call being passed on: the transferring staff member's own party of it.
    call = models.ForeignKey("telephony.Call", on_delete=models.CASCADE, related_name="transfers")
    by = models.ForeignKey("crm.Resource", on_delete=models.PROTECT, related_name="transfers_made")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # A colleague (to_resource + their extension number) or a number typed in (E.164).
    to_resource = models.ForeignKey(
        "crm.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers_received"
    )
    to_extension_number = models.CharField(max_length=16, blank=True)
    to_number = models.CharField(max_length=32, blank=True)
    to_label = models.CharField(max_length=200)  # "Bob Chen (ext. 102)" or "(415) 555-0190"
    # Ask first: the consult call RingCentral started from the same device (call-out).
    consult_session_id = models.CharField(max_length=64, blank=True)
    consult_party_id = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["entity", "consult_session_id"], name="transfer_consult_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_label}"
