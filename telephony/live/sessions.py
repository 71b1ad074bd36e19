"""Whether a socket's session still signs its user in, and the signals that make sockets ask.

A socket is opened with a session cookie; that session can end while the socket stays open:
sign-out (the session is deleted), an administrator deleting it, expiry, the user deactivated or
given a new password (Django's session auth hash no longer matches). On each of those the user's
sockets are told to re-check (`push.sessions_changed`); expiry and anything done behind Django's
back are caught by the periodic check, which each process makes for its sockets in one go
(`signing_in`).
"""

from collections.abc import Iterable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from telephony.live import push

DATABASE_SESSIONS = "django.contrib.sessions.backends.db"


def session_signs_in(*, session_key: str | None, user_id: int) -> bool:
    """True while the session exists, has not expired, belongs to this active user and carries
    the user's current auth hash (a changed password ends it)."""
    return (session_key or "", user_id) in signing_in([(session_key, user_id)])


def signing_in(sockets: Iterable[tuple[str | None, int]]) -> set[tuple[str, int]]:
    """The (session key, user id) pairs among `sockets` whose session still signs the user in (as
    `session_signs_in`): two queries however many sockets a process checks at once, with
    database-backed sessions; one load per session with any other engine."""
    pairs = {(key, user_id) for key, user_id in sockets if key}
    if not pairs:
        return set()
    data = _session_data({key for key, _ in pairs})
    users = get_user_model()._default_manager.filter(pk__in={u for _, u in pairs}, is_active=True)
    hashes = {user.pk: user.get_session_auth_hash() for user in users}
    return {
        (key, user_id)
        for key, user_id in pairs
        if key in data
        and user_id in hashes
        and str(data[key].get(SESSION_KEY, "")) == str(user_id)
        and constant_time_compare(data[key].get(HASH_SESSION_KEY, ""), hashes[user_id])
    }


def _session_data(keys: set[str]) -> dict[str, dict]:
    """Each live session's data by key (missing and expired ones left out)."""
    engine = import_module(settings.SESSION_ENGINE)
    if settings.SESSION_ENGINE != DATABASE_SESSIONS:
        loaded = {key: engine.SessionStore(key).load() for key in keys}  # {} when missing or expired
        return {key: data for key, data in loaded.items() if data}
    store = engine.SessionStore()
    rows = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
    return {row.session_key: store.decode(row.session_data) for row in rows}


@receiver(post_delete, sender=Session, dispatch_uid="live-session-deleted")
def _session_deleted(sender: Any, instance: Session, **kwargs: Any) -> None:
    user_id = instance.get_decoded().get(SESSION_KEY)
    if user_id is not None:
        push.sessions_changed(user_id=int(user_id))


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="live-user-before")
def _remember_sign_in_state(sender: Any, instance: Any, **kwargs: Any) -> None:
    stored = sender._default_manager.filter(pk=instance.pk).values("is_active", "password").first()
    instance._live_sign_in_state = (stored["is_active"], stored["password"]) if stored else None


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="live-user-changed")
def _user_changed(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    # Only a deactivation or a new password ends sessions; other saves (a sign-in's last_login,
    # a name) change nothing for open sockets.
    before = getattr(instance, "_live_sign_in_state", None)
    if created or before is None or before == (instance.is_active, instance.password):
        return
    push.sessions_changed(user_id=instance.pk)
