"""`record(...)`: the one way to write to the audit log."""

import ipaddress
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from arcadium.audit.models import AuditEvent

Action = AuditEvent.Action

_entity_resolver: Callable[[Any], int | None] = lambda user: None  # noqa: E731


def set_entity_resolver(resolver: Callable[[Any], int | None]) -> None:
    """Tell the audit log how to find a user's company id (crm fills this in AppConfig.ready())."""
    global _entity_resolver
    _entity_resolver = resolver


def entity_id_of(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return _entity_resolver(user)


def client_address(request: HttpRequest | None) -> str | None:
    raw = (request.META.get("REMOTE_ADDR") or "") if request is not None else ""
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def record(
    *,
    action: str,
    request: HttpRequest | None = None,
    actor: Any = None,
    actor_name: str = "",
    entity_id: int | None = None,
    summary: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Write one audit event. Who, company and address default to the request's."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if entity_id is None:
        entity = getattr(request, "entity", None) if request is not None else None
        entity_id = entity.pk if entity is not None else entity_id_of(actor)
    return AuditEvent.objects.create(
        entity_id=entity_id,
        actor=actor,
        actor_name=(actor_name or (actor.get_username() if actor is not None else ""))[:150],
        action=action,
        summary=summary[:300],
        ip_address=client_address(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
        data=data or {},
    )
