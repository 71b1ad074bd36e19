"""Process-wide knobs the control API changes at run time: TTLs, rate-limit budgets, fault rules.

The simulator is one daphne process, so this state lives in memory behind a lock; `reset()` puts
everything back to the settings' defaults.
"""

import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from django.conf import settings

DEFAULT_LIMITS = {"Light": 50, "Medium": 40, "Heavy": 10, "Auth": 5}
DEFAULT_WINDOW = 60

_lock = threading.Lock()


def _default_ttls() -> dict[str, int]:
    return {
        "access_token": settings.SIM_ACCESS_TOKEN_TTL,
        "refresh_token": settings.SIM_REFRESH_TOKEN_TTL,
        "auth_code": settings.SIM_AUTH_CODE_TTL,
        "ws_token": getattr(settings, "SIM_WS_TOKEN_TTL", 60),
        "refresh_grace": getattr(settings, "SIM_REFRESH_GRACE", 0),
    }


@dataclass
class FaultRule:
    id: int
    path: str
    method: str = ""  # empty = any method
    status: int = 0  # 0 = do not fail, only delay / malform
    delay_ms: int = 0
    malformed: bool = False
    remaining: int | None = None  # None = until cleared
    hits: int = 0
    _regex: re.Pattern = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._regex = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return bool(self._regex.search(path))

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "path": self.path,
            "method": self.method,
            "status": self.status,
            "delayMs": self.delay_ms,
            "malformed": self.malformed,
            "remaining": self.remaining,
            "hits": self.hits,
        }


class _State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.ttls = _default_ttls()
        self.limits_enabled = settings.SIM_RATE_LIMITS_ENABLED
        self.limits = dict(DEFAULT_LIMITS)
        self.window = DEFAULT_WINDOW
        self.hits: dict[tuple[str, str], deque] = {}
        self.blocked: dict[tuple[str, str], float] = {}
        self.faults: list[FaultRule] = []
        self.next_fault_id = 1


state = _State()


def reset() -> None:
    with _lock:
        state.reset()


def ttl(name: str) -> int:
    return state.ttls[name]


def set_ttls(**ttls: int) -> dict[str, int]:
    with _lock:
        for name, value in ttls.items():
            if name not in state.ttls:
                raise ValueError(f"unknown TTL {name!r}; known: {', '.join(state.ttls)}")
            if int(value) < (0 if name == "refresh_grace" else 1):
                raise ValueError(f"TTL {name!r} must be a positive number of seconds")
            state.ttls[name] = int(value)
        return dict(state.ttls)


# -- rate limits -------------------------------------------------------------------------------


@dataclass
class RateDecision:
    group: str
    limit: int
    remaining: int
    window: int
    allowed: bool
    retry_after: int = 0


def configure_limits(*, enabled: bool | None = None, window: int | None = None, **limits: int) -> dict:
    with _lock:
        if enabled is not None:
            state.limits_enabled = bool(enabled)
        if window is not None:
            if int(window) <= 0:
                raise ValueError("window must be a positive number of seconds")
            state.window = int(window)
        for group, value in limits.items():
            if group not in DEFAULT_LIMITS:
                raise ValueError(f"unknown rate-limit group {group!r}; known: {', '.join(DEFAULT_LIMITS)}")
            if int(value) < 1:
                raise ValueError(f"limit for {group} must be at least 1")
            state.limits[group] = int(value)
        state.hits.clear()
        state.blocked.clear()
        return limits_snapshot()


def limits_snapshot() -> dict:
    return {"enabled": state.limits_enabled, "window": state.window, "limits": dict(state.limits)}


def take(key: str, group: str) -> RateDecision:
    """Count one request of `key` (token owner or client) in `group`'s sliding window.

    Over budget, the caller is blocked for a penalty of one window, and — as RingCentral documents —
    every request refused during the penalty starts it again.
    """
    limit, window = state.limits[group], state.window
    if not state.limits_enabled:
        return RateDecision(group, limit, limit, window, allowed=True)
    now = time.monotonic()
    with _lock:
        blocked_until = state.blocked.get((key, group), 0.0)
        hits = state.hits.setdefault((key, group), deque())
        while hits and now - hits[0] >= window:
            hits.popleft()
        if now < blocked_until or len(hits) >= limit:
            state.blocked[(key, group)] = now + window
            return RateDecision(group, limit, 0, window, allowed=False, retry_after=window)
        hits.append(now)
        return RateDecision(group, limit, limit - len(hits), window, allowed=True)


# -- faults ------------------------------------------------------------------------------------


def add_fault(
    *,
    path: str,
    method: str = "",
    status: int = 0,
    delay_ms: int = 0,
    malformed: bool = False,
    count: int | None = None,
) -> FaultRule:
    if not (status or delay_ms or malformed):
        raise ValueError("a fault needs a status, a delay_ms or malformed=true")
    if status and not 400 <= int(status) <= 599:
        raise ValueError("status must be an HTTP error status (400-599)")
    try:
        re.compile(path)
    except re.error as exc:
        raise ValueError(f"path is not a valid regular expression: {exc}") from exc
    with _lock:
        rule = FaultRule(
            id=state.next_fault_id,
            path=path,
            method=method,
            status=int(status),
            delay_ms=int(delay_ms),
            malformed=bool(malformed),
            remaining=None if count is None else int(count),
        )
        state.next_fault_id += 1
        state.faults.append(rule)
        return rule


def clear_faults() -> None:
    with _lock:
        state.faults.clear()


def faults_snapshot() -> list[dict]:
    return [rule.as_dict() for rule in state.faults]


def claim_fault(method: str, path: str) -> FaultRule | None:
    """The first rule matching this request, counted; rules that ran out are dropped."""
    if not state.faults:
        return None
    with _lock:
        for rule in state.faults:
            if rule.matches(method, path):
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        state.faults.remove(rule)
                return rule
    return None
