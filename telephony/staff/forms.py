from django import forms

from crm.models import Resource


class StaffRingCentralForm(forms.ModelForm):
    """The checkbox and the extension mapping, with the seed's wording (the model's labels)."""

    class Meta:
        model = Resource
        fields = ["ringcentral_enabled", "ringcentral_extension_number", "ringcentral_extension_id"]
        help_texts = {
            "ringcentral_extension_number": "The extension this person signs in to RingCentral with, e.g. 101.",
            "ringcentral_extension_id": "Filled in when they connect; set it to bind the record to one extension.",
        }

    def clean_ringcentral_extension_id(self) -> str:
        # The per-company uniqueness constraint involves `entity`, which is not on this form, so
        # Django would skip it and the database would answer with an IntegrityError instead.
        value = self.cleaned_data["ringcentral_extension_id"].strip()
        if value:
            holder = (
                Resource.objects.for_entity(self.instance.entity)
                .filter(ringcentral_extension_id=value)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if holder is not None:
                raise forms.ValidationError(
                    f"Extension id {value} is already mapped to {holder.display_name}."
                )
        return value
