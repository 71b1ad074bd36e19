"""`{% icon %}` draws the icons of templates/_icons.html, the same markup an include gave."""

from django.template import Context, Template
from django.template.loader import render_to_string


def test_an_icon_is_the_partial_of_the_icons_template_unescaped():
    drawn = Template('{% load icons %}<b>{% icon "close" %}</b>').render(Context())

    assert drawn == f"<b>{render_to_string('_icons.html#close')}</b>"
    assert drawn.startswith("<b><svg") and 'aria-hidden="true"' in drawn
