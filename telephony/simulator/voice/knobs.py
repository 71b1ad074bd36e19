"""Voice behaviour knobs the control API may change at run time (defaults from the environment)."""

import os
import threading

_lock = threading.Lock()
MAY_BE_ZERO = {"voicemail_rings", "transcription_delay"}
DEFAULTS = {
    "ring_timeout": float(os.environ.get("SIM_RING_TIMEOUT", "30")),
    # > 0: the far end of outbound calls (RingOut, call-out) picks up after this many seconds.
    "outbound_answer_after": float(os.environ.get("SIM_OUTBOUND_ANSWER_AFTER", "0")),
    "voicemail_length": float(os.environ.get("SIM_VOICEMAIL_LENGTH", "5")),
    # > 0: every user's unanswered calls go to voicemail after this many rings (RingCentral's
    # "ring N times, then send to voicemail"); 0: they are missed after `ring_timeout`.
    "voicemail_rings": int(os.environ.get("SIM_VOICEMAIL_RINGS", "0")),
    # > 0: voicemail-to-text takes this long (the message says InProgress, then changes); 0: at once.
    "transcription_delay": float(os.environ.get("SIM_TRANSCRIPTION_DELAY", "0")),
    # Seconds of one ring (the US ring cadence: 2 s on, 4 s off).
    "ring_seconds": float(os.environ.get("SIM_RING_SECONDS", "6")),
    "webhook_timeout": float(os.environ.get("SIM_WEBHOOK_TIMEOUT", "3")),
    "webhook_max_failures": int(os.environ.get("SIM_WEBHOOK_MAX_FAILURES", "5")),
    "ws_recovery_timeout": float(os.environ.get("SIM_WS_RECOVERY_TIMEOUT", "180")),
    "ws_recovery_buffer": 100,
    "default_expires_in": 604800,
    "max_subscriptions": 30,
    # Longest SIP registration granted to a web phone (it re-registers 3 s before the end).
    "sip_expires": int(os.environ.get("SIM_SIP_EXPIRES", "60")),
}
values = dict(DEFAULTS)


def get(name: str):
    return values[name]


def configure(**changes) -> dict:
    with _lock:
        for name, value in changes.items():
            if name not in DEFAULTS:
                raise ValueError(f"unknown voice setting {name!r}; known: {', '.join(DEFAULTS)}")
            cast = type(DEFAULTS[name])
            try:
                value = cast(value)
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be a number") from None
            if value < 0 or (value == 0 and name not in MAY_BE_ZERO):
                raise ValueError(f"{name} must be positive")
            values[name] = value
        return dict(values)


def reset() -> None:
    with _lock:
        values.clear()
        values.update(DEFAULTS)
