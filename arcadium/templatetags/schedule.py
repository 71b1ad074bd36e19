"""`{% next_run "sync-call-logs" as at %}`: when beat really runs an entry next (None: no beat)."""

from datetime import datetime

from django import template

from arcadium import schedule

register = template.Library()


@register.simple_tag
def next_run(name: str) -> datetime | None:
    return schedule.next_run(name)
