from django.contrib import admin

from arcadium.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is never edited, not even by a superuser."""

    list_display = ["at", "actor_name", "action", "summary", "ip_address", "entity_id"]
    list_filter = ["action"]
    search_fields = ["actor_name", "summary"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
