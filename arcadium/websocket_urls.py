"""Websocket routes, kept apart from arcadium/asgi.py so tests can import them without booting ASGI."""

from django.urls import path

from telephony.live.consumers import UserConsumer

websocket_urlpatterns = [
    path("ws/live/", UserConsumer.as_asgi()),
]
