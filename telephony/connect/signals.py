"""React to the RingCentral checkbox on the resource record."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from crm.models import Resource
from telephony.connect import status
from telephony.connect.tasks import resource_disabled_task


@receiver(pre_save, sender=Resource)
def remember_previous_checkbox(sender: type, instance: Resource, **kwargs: Any) -> None:
    previous = Resource.objects.filter(pk=instance.pk).values_list("ringcentral_enabled", flat=True).first()
    instance._ringcentral_was_enabled = bool(previous)  # type: ignore[attr-defined]  # read in post_save


@receiver(post_save, sender=Resource)
def checkbox_changed(sender: type, instance: Resource, created: bool, **kwargs: Any) -> None:
    was_enabled = getattr(instance, "_ringcentral_was_enabled", False)
    if was_enabled and not instance.ringcentral_enabled:
        transaction.on_commit(lambda: resource_disabled_task.delay(instance.pk))
    elif instance.ringcentral_enabled != was_enabled:
        status.phone_status_changed(instance)
