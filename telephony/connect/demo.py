"""Demo wiring for `make run`: the demo company's RingCentral connector points at the built-in
simulator with the simulator's demo app, so ticking RingCentral on a resource just works."""

from django.conf import settings

from crm.models import Entity, Resource
from telephony.models import Connector

DEMO_CLIENT_ID = "arcadium-demo-client"
DEMO_CLIENT_SECRET = "arcadium-demo-secret"  # noqa: S105 (the simulator's published demo app)


def seed_demo_connector(entity: Entity) -> Connector:
    connector, created = Connector.objects.get_or_create(entity=entity)
    if created or not connector.is_configured:
        connector.client_id = DEMO_CLIENT_ID
        connector.client_secret = DEMO_CLIENT_SECRET
    connector.server_url = settings.RINGCENTRAL_SERVER_URL
    connector.delivery_mode = Connector.DeliveryMode.WEBHOOK if settings.ARCADIUM_PUBLIC_URL else "websocket"
    connector.public_base_url = settings.ARCADIUM_PUBLIC_URL
    connector.save()
    return connector


def seed_demo_ringcentral() -> list[str]:
    """crm's seed_demo hook: the demo company talks to the built-in RingCentral simulator; Alice
    starts ticked, so her first visit walks the authorization the way the user guide describes."""
    connector = seed_demo_connector(Entity.objects.get(name="Arcadium Demo"))
    Resource.objects.filter(user__username="alice").update(ringcentral_enabled=True)
    return [
        f"RingCentral: the demo company uses {connector.server_url} ({connector.get_delivery_mode_display()}); "
        "alice has RingCentral ticked (sign in as alice to authorize with extension 101 / ringcentral-demo)."
    ]
