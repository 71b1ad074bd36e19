import os

from django.core.asgi import get_asgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "telephony.simulator.settings"
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from telephony.simulator.voice.routing import websocket_urlpatterns  # noqa: E402
from telephony.simulator.webphone.routing import websocket_urlpatterns as sip_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": URLRouter(websocket_urlpatterns + sip_urlpatterns)}
)
