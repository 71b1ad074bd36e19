"""Project-wide form rendering: labels without Django's trailing colon (“Name”, not “Name:”)."""

from typing import Any

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeString


class PlainLabelBoundField(BoundField):
    def label_tag(
        self,
        contents: str | None = None,
        attrs: dict[str, Any] | None = None,
        label_suffix: str | None = None,
        tag: str | None = None,
    ) -> SafeString:
        return super().label_tag(contents, attrs, "" if label_suffix is None else label_suffix, tag)


class FormRenderer(DjangoTemplates):
    """Django's renderer, with every form's fields bound through PlainLabelBoundField."""

    bound_field_class = PlainLabelBoundField
