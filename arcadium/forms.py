"""Project-wide form rendering: labels without Django's trailing colon (“Name”, not “Name:”)."""

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates


class PlainLabelBoundField(BoundField):
    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        return super().label_tag(contents, attrs, "" if label_suffix is None else label_suffix, tag)


class FormRenderer(DjangoTemplates):
    """Django's renderer, with every form's fields bound through PlainLabelBoundField."""

    bound_field_class = PlainLabelBoundField
