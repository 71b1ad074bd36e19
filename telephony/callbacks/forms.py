"""Forms of the callback queue: closing an item, handing it over, the company's promise."""

from typing import Any, cast

from django import forms

from crm.models import Entity
from telephony.callbacks.models import CallbackItem, ResponsePromise

WEEKDAYS = [("1", "Mon"), ("2", "Tue"), ("3", "Wed"), ("4", "Thu"), ("5", "Fri"), ("6", "Sat"), ("7", "Sun")]


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[
            (v, label)
            for v, label in CallbackItem.CloseReason.choices
            if v != CallbackItem.CloseReason.REACHED
        ],
        label="Why close it?",
    )
    note = forms.CharField(required=False, max_length=200, label="Note")


class ReassignForm(forms.Form):
    to: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label="Give to", empty_label=None)

    def __init__(self, *args: Any, entity: Entity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["to"]).queryset = entity.resources.filter(
            user__is_active=True
        ).order_by("display_name")


class PromiseForm(forms.ModelForm):
    workdays = forms.MultipleChoiceField(
        choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, label="Business days"
    )

    class Meta:
        model = ResponsePromise
        fields = [
            "workdays",
            "time_zone",
            "opens_at",
            "closes_at",
            "target_minutes",
            "holidays",
            "email_supervisors",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}),
            "closes_at": forms.TimeInput(attrs={"type": "time"}),
            "holidays": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["workdays"] = list(self.instance.workdays)

    def clean_workdays(self) -> str:
        return "".join(sorted(self.cleaned_data["workdays"]))
