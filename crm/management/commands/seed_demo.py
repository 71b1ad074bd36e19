"""Load the demo company, its staff, customers and contacts. Safe to run again: nothing is duplicated."""

from django.core.management.base import BaseCommand

from crm.demo import seed_demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo entities, staff users, customers and contacts."

    def handle(self, *args, **options):
        summary = seed_demo()
        for line in summary:
            self.stdout.write(line)
