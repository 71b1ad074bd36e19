"""Who is registered: RingCentral's SIP registrar for web phones, in memory.

A registration is one phone instance (`+sip.instance` of its Contact) of an extension. RingCentral
allows 5 live instances per extension and refuses a sixth with `603 Too Many Contacts`; the same
instance registering again (a reload, another tab with the same instance id) replaces the old
registration, and only the newest receives calls. A registration lapses at its expiry, even if
its socket is gone: a tab closed without unregistering keeps its place until then.
"""

import threading
import time
from dataclasses import dataclass, field

MAX_INSTANCES = 5


class TooManyContacts(Exception):
    """A sixth live instance for one extension."""


@dataclass
class Registration:
    extension_id: str
    instance_id: str
    device_id: str
    authorization_id: str
    username: str
    contact_uri: str
    expires_at: float
    phone: object = field(default=None, repr=False, compare=False)  # the socket's SipConsumer
    registered_at: float = field(default_factory=time.monotonic)

    def live(self, now: float | None = None) -> bool:
        return self.expires_at > (time.monotonic() if now is None else now)

    @property
    def reachable(self) -> bool:
        return self.live() and self.phone is not None and not getattr(self.phone, "closed", True)

    def as_dict(self) -> dict:
        return {
            "extensionId": self.extension_id,
            "instanceId": self.instance_id,
            "deviceId": self.device_id,
            "authorizationId": self.authorization_id,
            "expiresIn": max(0, round(self.expires_at - time.monotonic())),
            "connected": self.reachable,
        }


class Registrar:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[tuple[str, str], Registration] = {}

    def register(self, registration: Registration) -> Registration:
        """Add or refresh; TooManyContacts if it would be the sixth live instance of its extension."""
        key = (registration.extension_id, registration.instance_id)
        with self._lock:
            self._prune()
            others = [k for k in self._by_key if k[0] == registration.extension_id and k != key]
            if len(others) >= MAX_INSTANCES:
                raise TooManyContacts(registration.extension_id)
            self._by_key[key] = registration
            return registration

    def unregister(self, extension_id: str, instance_id: str) -> None:
        with self._lock:
            self._by_key.pop((extension_id, instance_id), None)

    def forget_phone(self, phone: object) -> None:
        """The socket closed: its registrations stay (until expiry) but can no longer ring."""
        with self._lock:
            for registration in self._by_key.values():
                if registration.phone is phone:
                    registration.phone = None

    def reachable(self, extension_id: str) -> list[Registration]:
        with self._lock:
            self._prune()
            return [r for k, r in self._by_key.items() if k[0] == extension_id and r.reachable]

    def all(self) -> list[Registration]:
        with self._lock:
            self._prune()
            return sorted(self._by_key.values(), key=lambda r: (r.extension_id, r.registered_at))

    def clear(self) -> None:
        with self._lock:
            self._by_key.clear()

    def _prune(self) -> None:
        now = time.monotonic()
        for key in [k for k, r in self._by_key.items() if not r.live(now)]:
            del self._by_key[key]


registrar = Registrar()
