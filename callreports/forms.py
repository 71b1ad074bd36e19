"""The Call Report form: one form for the wizard's tab, the standalone page and the edit page."""

from typing import Any, cast

from django import forms

from callreports.models import Action
from callreports.services import past_due_warning
from crm.models import Contact, Customer, Entity, Resource


class ActionForm(forms.ModelForm):
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        empty_label="— the company, no particular contact —",
        error_messages={"invalid_choice": "Choose one of this customer's contacts."},
    )
    assignee = forms.ModelChoiceField(
        queryset=Resource.objects.none(),
        label="Assign to",
        error_messages={"invalid_choice": "Choose a colleague from your company."},
    )

    class Meta:
        model = Action
        fields = ["type", "subject", "description", "contact", "assignee", "due_date", "priority", "status"]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "subject": forms.TextInput(attrs={"placeholder": "e.g. Send the revised quote"}),
        }
        error_messages = {"subject": {"required": "Give the action a subject."}}

    def __init__(self, *args: Any, entity: Entity, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entity = entity
        self.customer = customer
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = Resource.objects.for_entity(entity)
        if customer is not None:
            cast(forms.ModelChoiceField, self.fields["contact"]).queryset = customer.contacts.filter(
                is_active=True, entity=entity
            )
        else:
            del self.fields["contact"]

    @property
    def warnings(self) -> list[str]:
        """Things worth a second look that do not stop the save (a due date in the past)."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return []
        warning = past_due_warning(self.cleaned_data.get("due_date"))
        return [warning] if warning else []
