"""Load the demo company, its staff, customers and contacts. Safe to run again: nothing is duplicated."""

from django.core.management.base import BaseCommand

from crm.demo import seed_demo
from crm.models import Entity, Resource


class Command(BaseCommand):
    help = "Create (or refresh) the demo entities, staff users, customers and contacts."

    def handle(self, *args, **options):
        for line in seed_demo():
            self.stdout.write(line)
        # The demo company talks to the built-in RingCentral simulator; Alice starts ticked, so her
        # first visit walks the authorization the way the user guide describes.
        from telephony.demo import seed_demo_connector

        demo = Entity.objects.get(name="Arcadium Demo")
        connector = seed_demo_connector(demo)
        Resource.objects.filter(user__username="alice").update(ringcentral_enabled=True)
        self.stdout.write(
            f"RingCentral: the demo company uses {connector.server_url} ({connector.get_delivery_mode_display()}); "
            "alice has RingCentral ticked (sign in as alice to authorize with extension 101 / ringcentral-demo)."
        )
