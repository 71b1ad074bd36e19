"""`{% icon "close" %}`: an inline SVG icon of templates/_icons.html, rendered once per process.

The icons never change while the process runs, and the call wizard draws several on every
pop-up: an `{% include "_icons.html#close" %}` looked the template up and rendered it each time
(about a tenth of the wizard's rendering)."""

from functools import cache

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def icon(name: str) -> SafeString:
    return _rendered(name)


@cache
def _rendered(name: str) -> SafeString:
    return mark_safe(render_to_string(f"_icons.html#{name}"))  # noqa: S308  (our own template)
