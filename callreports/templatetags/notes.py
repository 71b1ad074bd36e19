"""`{% note_max_length %}`: the call notes' length limit, stated beside the box and enforced by it."""

from django import template

from callreports.services import MAX_NOTE_LENGTH

register = template.Library()


@register.simple_tag
def note_max_length() -> int:
    return MAX_NOTE_LENGTH
