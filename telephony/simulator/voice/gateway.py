"""Which WebSocket connection carries which gateway session, reachable from any thread.

The simulator is one process: the consumer registers itself here with its event loop, and the
delivery workers (plain threads) hand frames to that loop.
"""

import asyncio
import json
import threading
import uuid

_lock = threading.Lock()
_sockets: dict[str, "object"] = {}  # wsc token → consumer with .loop and async .send_frame(text)


def register(token: str, consumer) -> None:
    with _lock:
        _sockets[token] = consumer


def unregister(token: str, consumer) -> None:
    with _lock:
        if _sockets.get(token) is consumer:
            del _sockets[token]


def connected(token: str) -> bool:
    with _lock:
        return token in _sockets


def send(token: str, frame: list, *, timeout: float = 5.0) -> bool:
    """Send one frame on the socket of gateway session `token`; False when it is not connected."""
    with _lock:
        consumer = _sockets.get(token)
    if consumer is None:
        return False
    future = asyncio.run_coroutine_threadsafe(consumer.send_frame(json.dumps(frame)), consumer.loop)
    try:
        future.result(timeout=timeout)
    except Exception:  # noqa: BLE001 - a socket closing under us is "not delivered", not a crash
        return False
    return True


def notification_frame(payload: dict, *, wsc_token: str, sequence: int) -> list:
    meta = {
        "type": "ServerNotification",
        "messageId": payload["uuid"],
        "status": 200,
        "headers": {"RCRequestId": str(uuid.uuid4())},
        "wsc": {"token": wsc_token, "sequence": sequence},
    }
    return [meta, payload]
