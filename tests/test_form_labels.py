"""Form labels read “Name”, not Django's “Name:”, on every form (arcadium.forms.FormRenderer)."""

from django import forms


class Example(forms.Form):
    name = forms.CharField(label="Customer name")


def test_a_label_has_no_trailing_colon():
    html = str(Example()["name"].label_tag())

    assert ">Customer name</label>" in html


def test_a_form_rendered_whole_has_no_trailing_colons():
    assert "Customer name:" not in str(Example())


def test_an_explicit_suffix_is_still_honoured():
    assert "Customer name?" in str(Example()["name"].label_tag(label_suffix="?"))
