from django.urls import path

from .consumer import SipConsumer

# `outboundProxy` is `host:port` (the browser connects to `wss://host:port`), so the root path;
# `sip` too, for clients that put a path in it.
websocket_urlpatterns = [
    path("", SipConsumer.as_asgi()),
    path("sip", SipConsumer.as_asgi()),
]
