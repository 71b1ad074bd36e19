from django.contrib import admin

from callreports.models import Action, CallNote


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["subject", "type", "assignee", "customer", "due_date", "priority", "status", "entity"]
    list_filter = ["entity", "status", "type", "priority"]
    search_fields = ["subject", "description", "customer__name", "contact__last_name"]
    date_hierarchy = "created_at"
    raw_id_fields = ["call", "customer", "contact"]
    list_select_related = ["assignee", "customer", "entity"]
    readonly_fields = ["created_at", "updated_at", "completed_at"]


@admin.register(CallNote)
class CallNoteAdmin(admin.ModelAdmin):
    list_display = ["call", "entity", "updated_by", "updated_at"]
    list_filter = ["entity"]
    search_fields = ["text"]
    raw_id_fields = ["call"]
    readonly_fields = ["created_by", "updated_by", "created_at", "updated_at"]
