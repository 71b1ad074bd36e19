"""Load the demo company, its staff, customers and contacts. Safe to run again: nothing is duplicated."""

from django.core.management.base import BaseCommand

from crm.demo import demo_seeders, seed_demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo entities, staff users, customers and contacts."

    def handle(self, *args, **options):
        for line in seed_demo():
            self.stdout.write(line)
        # Other apps add their part of the demo (telephony: the RingCentral connector).
        for seeder in demo_seeders:
            for line in seeder():
                self.stdout.write(line)
