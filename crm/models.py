"""CRM records: the company entity, its customers and contacts, staff resources and phone numbers.

Every row that belongs to a company carries `entity`; views reach rows only through the
`for_entity` querysets so that another company's data answers 404.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from crm.numbers import normalize


class Entity(models.Model):
    name = models.CharField(max_length=200, unique=True)
    default_region = models.CharField(
        max_length=2,
        default="US",
        help_text="Two-letter country code used to read phone numbers typed without a country code.",
    )

    class Meta:
        verbose_name_plural = "entities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EntityQuerySet(models.QuerySet):
    def for_entity(self, entity: Entity) -> "EntityQuerySet":
        return self.filter(entity=entity)

    def active(self) -> "EntityQuerySet":
        return self.filter(is_active=True)


class Customer(models.Model):
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="customers")
    name = models.CharField(max_length=200)
    account_number = models.CharField(max_length=40)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    terms = models.CharField(max_length=60, blank=True, help_text="Payment terms, e.g. Net 30.")
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "account_number"], name="customer_account_number_unique"
            )
        ]
        # crm.search's trigram and account-number indexes: crm/migrations/0004_search_indexes.py
        indexes = [models.Index(fields=["entity", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.account_number})"

    def get_absolute_url(self) -> str:
        return reverse("crm-customer-detail", args=[self.pk])


class Contact(models.Model):
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="contacts")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        # Search by a contact's name (crm.search): trigram indexes, crm/migrations/0004_search_indexes.py

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self) -> None:
        if self.customer_id and self.entity_id and self.customer.entity_id != self.entity_id:
            raise ValidationError({"customer": "The customer belongs to another company."})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.customer_id and not self.entity_id:
            self.entity_id = self.customer.entity_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("crm-contact-detail", args=[self.pk])


class Resource(models.Model):
    """A staff member as the ERP knows them. The RingCentral switch and extension mapping live here."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource")
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="resources")
    display_name = models.CharField(max_length=150)
    ringcentral_enabled = models.BooleanField(
        "RingCentral",
        default=False,
        help_text="Activates RingCentral for this user the next time they connect.",
    )
    ringcentral_extension_id = models.CharField("RingCentral extension id", max_length=32, blank=True)
    ringcentral_extension_number = models.CharField("RingCentral extension number", max_length=16, blank=True)

    class AnswerOn(models.TextChoices):
        PC = "pc", "Answer on PC"
        PHONE = "phone", "Fixed phone"
        BROWSER = "browser", "Answer in browser"

    # The user's own switches, set from the header's settings panel.
    ringcentral_on = models.BooleanField("RingCentral on", default=True)
    ringer_on = models.BooleanField("Phone ringer on", default=True)
    answer_on = models.CharField(max_length=7, choices=AnswerOn.choices, default=AnswerOn.PC)
    # False until the user picks an answering mode: then the browser may make "Answer in browser"
    # the default once it has the microphone.
    answer_on_chosen = models.BooleanField("Answering mode chosen by the user", default=False)
    close_wizard_on_hangup = models.BooleanField("Close wizard on hang-up", default=True)
    open_wizard_for_placed_calls = models.BooleanField(
        "Open the wizard for calls I place from my phone", default=True
    )

    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "ringcentral_extension_id"],
                condition=~Q(ringcentral_extension_id=""),
                name="resource_extension_unique_per_entity",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def ringcentral_active(self) -> bool:
        """Ticked by an admin and switched on by the user: Arcadium reacts to their calls."""
        return self.ringcentral_enabled and self.ringcentral_on


class PhoneNumber(models.Model):
    class Label(models.TextChoices):
        MAIN = "main", "Main"
        MOBILE = "mobile", "Mobile"
        DIRECT = "direct", "Direct"
        FAX = "fax", "Fax"
        OTHER = "other", "Other"

    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="phone_numbers", editable=False)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="phone_numbers"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="phone_numbers"
    )
    label = models.CharField(max_length=10, choices=Label.choices, default=Label.MAIN)
    raw = models.CharField("number as typed", max_length=64)
    e164 = models.CharField("normalized number", max_length=20, editable=False)
    extension = models.CharField(max_length=16, blank=True, editable=False)

    objects = EntityQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(customer__isnull=False, contact__isnull=True)
                    | Q(customer__isnull=True, contact__isnull=False)
                ),
                name="phone_number_has_exactly_one_owner",
            )
        ]
        # Search by the last digits (crm.search): crm/migrations/0004_search_indexes.py
        indexes = [models.Index(fields=["entity", "e164"], name="phone_entity_e164_idx")]

    def __str__(self) -> str:
        return self.raw

    @property
    def owner(self) -> Customer | Contact | None:
        return self.customer if self.customer_id else self.contact

    def _normalize_from_owner(self) -> None:
        owner = self.owner
        if owner is not None:
            self.entity_id = owner.entity_id
            region = owner.entity.default_region
        else:
            region = self.entity.default_region if self.entity_id else "US"
        parsed = normalize(self.raw, region)
        self.e164, self.extension = parsed.e164, parsed.extension

    def clean(self) -> None:
        if self.customer_id and self.contact_id:
            raise ValidationError("A phone number belongs to a customer or to a contact, not both.")
        try:
            self._normalize_from_owner()
        except ValidationError as exc:
            raise ValidationError({"raw": exc.messages}) from exc

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Normalize on every save so e164 can never drift from what was typed; the entity always
        # follows the owner so a number cannot leak into another company's lookups.
        self._normalize_from_owner()
        super().save(*args, **kwargs)
