"""Websocket routes, kept apart from arcadium/asgi.py so tests can import them without booting ASGI."""

websocket_urlpatterns: list = []
