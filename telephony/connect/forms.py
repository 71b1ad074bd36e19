from collections.abc import Mapping
from typing import Any

from django import forms

from crm.models import Resource

ON_OFF = [("on", "On"), ("off", "Off")]


class PhoneSettingsForm(forms.Form):
    """The switches of the header's settings panel, as On/Off choices (the seed's wording)."""

    ringcentral = forms.ChoiceField(
        label="RingCentral",
        choices=ON_OFF,
        widget=forms.RadioSelect,
        help_text="On: Arcadium searches every phone number in the database and shows the caller. "
        "Off: Arcadium does not react to incoming calls.",
    )
    ringer = forms.ChoiceField(
        label="Phone ringer",
        choices=ON_OFF,
        widget=forms.RadioSelect,
        help_text="A ring sound when a call comes in.",
    )
    answer_on = forms.ChoiceField(
        label="Answer on",
        choices=Resource.AnswerOn.choices,
        widget=forms.RadioSelect,
        help_text="Answer from this computer (RingCentral softphone), pick up your fixed phone, or "
        "talk right here in Arcadium (your browser is the phone: microphone and speakers).",
    )
    close_on_hangup = forms.ChoiceField(
        label="Close wizard on hang-up",
        choices=ON_OFF,
        widget=forms.RadioSelect,
        help_text="On: the call wizard closes when you hang up. Off: you close it yourself.",
    )
    placed_calls = forms.ChoiceField(
        label="Open the wizard for calls I place from my phone",
        choices=ON_OFF,
        widget=forms.RadioSelect,
        required=False,  # a form posted without it (an older page) keeps the setting
        help_text="On: a call you dial on your desk phone or in the RingCentral app opens the wizard "
        "on the customer you called, for notes and the call report.",
    )

    @classmethod
    def for_resource(cls, resource: Resource, data: Mapping[str, Any] | None = None) -> "PhoneSettingsForm":
        def on(value: bool) -> str:
            return "on" if value else "off"

        initial = {
            "ringcentral": on(resource.ringcentral_on),
            "ringer": on(resource.ringer_on),
            "answer_on": resource.answer_on,
            "close_on_hangup": on(resource.close_wizard_on_hangup),
            "placed_calls": on(resource.open_wizard_for_placed_calls),
        }
        return cls(data=data, initial=initial)

    def apply_to(self, resource: Resource) -> None:
        data = self.cleaned_data
        resource.ringcentral_on = data["ringcentral"] == "on"
        resource.ringer_on = data["ringer"] == "on"
        if data["answer_on"] != resource.answer_on:
            resource.answer_on_chosen = True  # a browser with a microphone no longer picks for them
        resource.answer_on = data["answer_on"]
        resource.close_wizard_on_hangup = data["close_on_hangup"] == "on"
        if data.get("placed_calls"):
            resource.open_wizard_for_placed_calls = data["placed_calls"] == "on"
