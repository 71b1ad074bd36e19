"""ASGI entry point: HTTP through the body limits into Django (RingCentral's webhook deliveries
through their lean door, telephony/ingest/door.py), websockets through Channels behind session
auth and an Origin check against ALLOWED_HOSTS."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arcadium.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from arcadium import daphne_limits  # noqa: E402
from arcadium.limits import BodyLimitMiddleware  # noqa: E402
from arcadium.startup import freeze_loaded_objects  # noqa: E402
from arcadium.websocket_urls import websocket_urlpatterns  # noqa: E402
from telephony.ingest.door import WebhookDoor  # noqa: E402
from telephony.ingest.tasks import catch_up_on_start  # noqa: E402

daphne_limits.install()

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(WebhookDoor(django_asgi_app)),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Notifications RingCentral sent while this process was down are lost: catch up.
if settings.CATCH_UP_ON_START:
    catch_up_on_start()

freeze_loaded_objects()
