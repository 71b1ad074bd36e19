"""Call-log sync state: one row per connector (cursor, window, claim, last results).

Imported at the bottom of telephony/models.py so Django registers it with the telephony app.
"""

from django.conf import settings
from django.db import models


class CallLogSync(models.Model):
    """Where the connector's call-log sync stands, so a run resumes where the last one stopped."""

    connector = models.OneToOneField(
        "telephony.Connector", on_delete=models.CASCADE, related_name="call_log_sync"
    )
    # High-water mark: the end of the last window synced completely. The next run starts from
    # here minus the overlap, because RingCentral adds finished calls to the log late.
    synced_until = models.DateTimeField(null=True, blank=True)
    # The window of the run in progress (or interrupted) and the page to ask for next.
    window_from = models.DateTimeField(null=True, blank=True)
    window_to = models.DateTimeField(null=True, blank=True)
    next_url = models.TextField(blank=True)
    # The claim: one sync at a time per connector. `running_since` is refreshed after every page,
    # so a worker that died leaves a claim that goes stale instead of blocking sync forever.
    run_token = models.CharField(max_length=32, blank=True)
    running_since = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Progress of the current run and results of the last one, for the connector page.
    pages = models.PositiveIntegerField(default=0)
    records_seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rate_limit_waits = models.PositiveIntegerField(default=0)
    rate_limit_seconds = models.FloatField(default=0)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=20, blank=True)
    last_error = models.TextField(blank=True)
    error_count = models.PositiveIntegerField("errors since the last success", default=0)
    total_errors = models.PositiveIntegerField(default=0)
    # Resources that had RingCentral ticked when the connector was disconnected (re-ticked on connect).
    paused_resource_ids = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "call-log sync"
        # Permissions of the call-history feature (the Call model belongs to the live-call code).
        permissions = [
            ("manage_connector", "Can manage the RingCentral connector"),
            ("listen_recordings", "Can listen to call recordings"),
        ]

    def __str__(self) -> str:
        return f"Call-log sync of connector {self.connector_id}"

    @property
    def running(self) -> bool:
        return bool(self.run_token)
