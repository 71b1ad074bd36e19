"""Sign-ins, failed sign-ins, sign-outs and lockouts go to the audit log."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from arcadium.audit.services import Action, entity_id_of, record


def _user_named(username: str) -> Any:
    return get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()


@receiver(user_logged_in, dispatch_uid="audit-sign-in")
def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(action=Action.SIGN_IN, request=request, actor=user, summary="Signed in")


@receiver(user_logged_out, dispatch_uid="audit-sign-out")
def _signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(action=Action.SIGN_OUT, request=request, actor=user, summary="Signed out")


@receiver(user_login_failed, dispatch_uid="audit-sign-in-failed")
def _sign_in_failed(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str((credentials or {}).get("username", ""))[:150]
    user = _user_named(username) if username else None
    record(
        action=Action.SIGN_IN_FAILED,
        request=request,
        actor=user,
        actor_name=username,
        entity_id=entity_id_of(user),
        summary=f"Wrong password for {username!r}" if user else f"Unknown user {username!r}",
    )


@receiver(user_locked_out, dispatch_uid="audit-locked-out")
def _locked_out(sender: Any, request: HttpRequest, username: str, ip_address: str, **kwargs: Any) -> None:
    user = _user_named(username) if username else None
    record(
        action=Action.LOCKED_OUT,
        request=request,
        actor=user,
        actor_name=username or "",
        entity_id=entity_id_of(user),
        summary=f"Sign-in locked for {username!r} and address {ip_address} after repeated failures",
    )
