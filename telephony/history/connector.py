"""The connector page's services: settings form, connect/disconnect, extension mapping, status."""

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import timezone

from crm.models import Entity, Resource
from telephony import ringcentral as rc
from telephony.connect import subscriptions
from telephony.connect.tasks import ensure_subscription_task, resource_switched_off_task
from telephony.models import CallEvent, Connector, RingCentralToken, Subscription
from telephony.models_sync import CallLogSync


class ConnectorSettingsForm(forms.ModelForm):
    """App credentials and delivery. The secret is write-only: blank keeps the stored value."""

    client_secret = forms.CharField(
        label="App client secret",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave blank to keep the stored secret.",
    )
    public_base_url = forms.URLField(
        label="Public base URL",
        required=False,
        assume_scheme="https",
        help_text="Where RingCentral delivers webhooks, e.g. https://erp.example.com (webhook mode only).",
    )

    class Meta:
        model = Connector
        fields = ["client_id", "client_secret", "server_url", "delivery_mode", "public_base_url"]

    def clean_client_secret(self) -> str:
        return self.cleaned_data.get("client_secret") or self.instance.client_secret

    def clean(self) -> dict:
        data = super().clean() or {}
        webhook = data.get("delivery_mode") == Connector.DeliveryMode.WEBHOOK
        if webhook and not data.get("public_base_url"):
            self.add_error(
                "public_base_url", "Webhook delivery needs the public address RingCentral can reach."
            )
        return data


class ConnectForm(forms.Form):
    jwt_credential = forms.CharField(
        label="Admin JWT credential",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Created in the RingCentral developer console for an admin user; used for the company "
        "call log and recordings. Leave blank to reuse the stored one.",
    )


def connector_for(entity: Entity) -> Connector:
    connector, _ = Connector.objects.get_or_create(entity=entity)
    return connector


# -- connect / disconnect ----------------------------------------------------------------------


class ConnectFailed(Exception):
    pass


def connector_connect(*, connector: Connector, user: Any, jwt_credential: str = "") -> None:
    """Log in with the admin JWT, remember the account, map extensions by email; staff who kept their
    authorization while the connection was switched off listen again without signing in."""
    if not connector.is_configured:
        raise ConnectFailed("Save the app client id and secret first.")
    if jwt_credential:
        connector.jwt_credential = jwt_credential
    if not connector.jwt_credential:
        raise ConnectFailed("Paste the admin JWT credential to connect.")
    RingCentralToken.objects.connector_level().filter(connector=connector).delete()
    connector.save()
    try:
        with rc.connector_session(connector) as session:
            me = rc.current_extension(session)
            extensions = rc.list_extensions(session)
    except rc.RingCentralError as exc:
        connector.status, connector.last_error = Connector.Status.ERROR, exc.message
        connector.save(update_fields=["status", "last_error"])
        raise ConnectFailed(exc.message) from exc
    with transaction.atomic():
        connector.status, connector.last_error, connector.switched_off_at = (
            Connector.Status.CONNECTED,
            "",
            None,
        )
        connector.account_id, connector.connected_at, connector.connected_by = (
            me.account_id,
            timezone.now(),
            user,
        )
        connector.save()
        apply_email_matches(connector=connector, extensions=extensions)
        _resume_paused(connector)
        for resource_id in subscriptions.listening_resources(connector):
            transaction.on_commit(partial(ensure_subscription_task.delay, resource_id))


def connector_disconnect(*, connector: Connector) -> int:
    """Switch the company's connection off: sync stops and nobody listens, but staff stay ticked and
    authorized (their icon says why) and listen again on connect. Every synced call stays.
    Returns how many staff stopped listening."""
    state, _ = CallLogSync.objects.get_or_create(connector=connector)
    listening = subscriptions.listening_resources(connector)
    with transaction.atomic():
        state.next_url = ""
        state.save(update_fields=["next_url", "updated_at"])
        token = RingCentralToken.objects.connector_level().filter(connector=connector).first()
        connector.status, connector.last_error = Connector.Status.READY, ""
        connector.switched_off_at = timezone.now()
        connector.save(update_fields=["status", "last_error", "switched_off_at"])
        for resource_id in listening:
            transaction.on_commit(partial(resource_switched_off_task.delay, resource_id))
    if token is not None:
        rc.revoke(token)
        token.delete()
    return len(listening)


def _resume_paused(connector: Connector) -> None:
    """Staff an earlier version of Disconnect unticked (`paused_resource_ids`) are ticked again."""
    state = CallLogSync.objects.filter(connector=connector).first()
    if state is None or not state.paused_resource_ids:
        return
    for resource in Resource.objects.filter(entity=connector.entity, pk__in=state.paused_resource_ids):
        resource.ringcentral_enabled = True
        resource.save(update_fields=["ringcentral_enabled"])
    state.paused_resource_ids = []
    state.save(update_fields=["paused_resource_ids", "updated_at"])


# -- extension ↔ resource mapping ----------------------------------------------------------------


@dataclass(frozen=True)
class MappingRow:
    extension: rc.Extension
    resource: Resource | None  # mapped now
    suggested: Resource | None  # same email, not mapped yet

    @property
    def unmapped(self) -> bool:
        return self.resource is None


def _by_email(entity: Entity) -> dict[str, Resource]:
    resources = Resource.objects.filter(entity=entity).select_related("user")
    return {r.user.email.lower(): r for r in resources if r.user.email}


def mapping_rows(*, connector: Connector, extensions: list[rc.Extension]) -> list[MappingRow]:
    resources = Resource.objects.filter(entity=connector.entity).select_related("user")
    by_extension = {r.ringcentral_extension_id: r for r in resources if r.ringcentral_extension_id}
    by_email = _by_email(connector.entity)
    rows = []
    for extension in extensions:
        mapped = by_extension.get(extension.id)
        suggested = None if mapped else by_email.get(extension.email.lower()) if extension.email else None
        if suggested is not None and suggested.ringcentral_extension_id:
            suggested = None  # already mapped to another extension: a person decides
        rows.append(MappingRow(extension=extension, resource=mapped, suggested=suggested))
    return rows


def user_extensions(session: rc.Session) -> list[rc.Extension]:
    return [e for e in rc.list_extensions(session) if e.type in ("", "User")]


def apply_email_matches(*, connector: Connector, extensions: list[rc.Extension]) -> int:
    """Map every unmapped extension to the resource whose user has the same email."""
    made = 0
    for row in mapping_rows(connector=connector, extensions=extensions):
        if row.unmapped and row.suggested is not None:
            _map(row.suggested, row.extension)
            made += 1
    return made


def save_mapping(*, connector: Connector, extensions: list[rc.Extension], choices: dict[str, str]) -> int:
    """Manual mapping: `choices` is {extension id: resource id or ""}. Returns how many changed."""
    known = {e.id: e for e in extensions}
    resources = {str(r.pk): r for r in Resource.objects.filter(entity=connector.entity)}
    wanted = {ext_id: resources.get(res_id) for ext_id, res_id in choices.items() if ext_id in known}
    if any(res_id and res_id not in resources for res_id in choices.values()):
        raise ValueError("Unknown resource in the mapping.")
    chosen = [r.pk for r in wanted.values() if r is not None]
    if len(chosen) != len(set(chosen)):
        raise ValueError("A resource can be mapped to one extension only.")
    changed = 0
    with transaction.atomic():
        for resource in resources.values():
            if (
                resource.ringcentral_extension_id in wanted
                and wanted[resource.ringcentral_extension_id] != resource
            ):
                resource.ringcentral_extension_id = resource.ringcentral_extension_number = ""
                resource.save(update_fields=["ringcentral_extension_id", "ringcentral_extension_number"])
                changed += 1
        for ext_id, chosen_resource in wanted.items():
            if chosen_resource is not None and chosen_resource.ringcentral_extension_id != ext_id:
                _map(chosen_resource, known[ext_id])
                changed += 1
    return changed


def _map(resource: Resource, extension: rc.Extension) -> None:
    resource.ringcentral_extension_id = extension.id
    resource.ringcentral_extension_number = extension.extension_number
    resource.save(update_fields=["ringcentral_extension_id", "ringcentral_extension_number"])


# -- status at a glance --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectorStatus:
    connector: Connector
    sync: CallLogSync
    authorized_by: str
    authorized_until: datetime | None
    subscriptions: dict[str, int]
    failing_subscriptions: list[Subscription]
    last_event_at: datetime | None
    event_errors: int

    @property
    def connected(self) -> bool:
        return self.connector.status == Connector.Status.CONNECTED


def connector_status(connector: Connector) -> ConnectorStatus:
    sync, _ = CallLogSync.objects.get_or_create(connector=connector)
    token = RingCentralToken.objects.connector_level().filter(connector=connector).first()
    subscriptions = connector.subscriptions.all()
    counts = dict(subscriptions.values_list("status").annotate(n=Count("pk")).order_by())
    last_event = subscriptions.aggregate(last=Max("last_event_at"))["last"]
    who = connector.connected_by
    return ConnectorStatus(
        connector=connector,
        sync=sync,
        authorized_by=_person(who),
        authorized_until=token.refresh_expires_at if token else None,
        subscriptions={label: counts.get(value, 0) for value, label in Subscription.Status.choices},
        failing_subscriptions=list(
            subscriptions.exclude(status=Subscription.Status.ACTIVE).select_related("resource")[:10]
        ),
        last_event_at=last_event,
        event_errors=CallEvent.objects.exclude(error="")
        .filter(subscription_id__in=subscriptions.values("rc_subscription_id"))
        .count(),
    )


def _person(user: Any) -> str:
    if user is None:
        return ""
    resource = Resource.objects.filter(user=user).first()
    return resource.display_name if resource else (user.get_full_name() or user.get_username())


def sync_status_html(sync: CallLogSync, *, oob: bool = False) -> str:
    """The sync panel (stable id `sync-status`): the page, htmx answers and live pushes share it."""
    return render_to_string("telephony/connector.html#sync-status", {"sync": sync, "oob": oob})


def sync_progress_html(sync: CallLogSync | None, *, oob: bool = False, **state: bool) -> str:
    """The one-line progress (stable id `sync-progress`) of "Sync now" on the Calls tab; `state`:
    queued / not_connected for the answer to the button."""
    return render_to_string("telephony/_sync_progress.html", {"sync": sync, "oob": oob, **state})
