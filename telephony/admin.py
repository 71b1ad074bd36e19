from django import forms
from django.contrib import admin

from telephony.models import Connector, RingCentralToken


class ConnectorForm(forms.ModelForm):
    """Secrets are write-only: the form never renders them, and a blank field keeps the stored value."""

    client_secret = forms.CharField(
        label="App client secret",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to keep the current secret.",
    )
    public_base_url = forms.URLField(
        label="Public base URL",
        required=False,
        assume_scheme="https",
        help_text=Connector._meta.get_field("public_base_url").help_text,
    )
    jwt_credential = forms.CharField(
        label="JWT credential",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Optional admin JWT for company-wide call-log sync. Leave blank to keep the current one.",
    )

    class Meta:
        model = Connector
        fields = [
            "entity",
            "client_id",
            "client_secret",
            "server_url",
            "delivery_mode",
            "public_base_url",
            "jwt_credential",
        ]

    def _keep_if_blank(self, name: str) -> str:
        value = self.cleaned_data.get(name) or ""
        if not value and self.instance.pk:
            return getattr(self.instance, name)
        return value

    def clean_client_secret(self) -> str:
        return self._keep_if_blank("client_secret")

    def clean_jwt_credential(self) -> str:
        return self._keep_if_blank("jwt_credential")


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    form = ConnectorForm
    list_display = ["entity", "server_url", "delivery_mode", "status", "account_id", "connected_at"]
    list_filter = ["status", "delivery_mode"]
    readonly_fields = ["status", "last_error", "account_id", "connected_at", "connected_by"]


@admin.register(RingCentralToken)
class RingCentralTokenAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "connector",
        "owner_extension_id",
        "access_expires_at",
        "is_valid",
        "updated_at",
    ]
    list_filter = ["is_valid"]
    # Tokens are never shown or edited here; an admin can only see their state or delete them.
    fields = readonly_fields = (
        "connector",
        "resource",
        "owner_extension_id",
        "scope",
        "access_expires_at",
        "refresh_expires_at",
        "is_valid",
        "updated_at",
    )

    def has_add_permission(self, request) -> bool:
        return False
