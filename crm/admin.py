from django.contrib import admin

from crm.models import Contact, Customer, Entity, PhoneNumber, Resource


class PhoneNumberInline(admin.TabularInline):
    model = PhoneNumber
    fields = ["label", "raw", "e164", "extension"]
    readonly_fields = ["e164", "extension"]
    extra = 1


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["name", "default_region"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "account_number", "entity", "is_active"]
    list_filter = ["entity", "is_active"]
    search_fields = ["name", "account_number", "phone_numbers__e164"]
    inlines = [PhoneNumberInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["full_name", "customer", "title", "entity", "is_active"]
    list_filter = ["entity", "is_active"]
    search_fields = ["first_name", "last_name", "customer__name"]
    raw_id_fields = ["customer"]
    inlines = [PhoneNumberInline]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "entity", "ringcentral_enabled", "ringcentral_extension_number"]
    list_filter = ["entity", "ringcentral_enabled"]
    search_fields = ["display_name", "user__username", "user__email"]
    readonly_fields = ["ringcentral_readiness"]
    fieldsets = [
        (None, {"fields": ["user", "entity", "display_name"]}),
        (
            "RingCentral",
            {
                "fields": [
                    "ringcentral_readiness",
                    "ringcentral_enabled",
                    "ringcentral_extension_id",
                    "ringcentral_extension_number",
                ]
            },
        ),
    ]

    @admin.display(description="Company status")
    def ringcentral_readiness(self, resource: Resource) -> str:
        # The connector lives in the telephony app; crm only reads it through the reverse relation.
        connector = getattr(resource.entity, "ringcentral_connector", None) if resource.entity_id else None
        if connector is None or not connector.is_configured:
            return (
                "This company is not ready for RingCentral yet: ask Arcadium support to get your system "
                "ready for RingCentral. Until then the checkbox has no effect."
            )
        return "Ready: ticking the checkbox sends this user to RingCentral the next time they open Arcadium."
