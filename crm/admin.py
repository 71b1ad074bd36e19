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
    fieldsets = [
        (None, {"fields": ["user", "entity", "display_name"]}),
        (
            "RingCentral",
            {"fields": ["ringcentral_enabled", "ringcentral_extension_id", "ringcentral_extension_number"]},
        ),
    ]
