"""Encryption at rest for secrets (RingCentral tokens, app client secrets).

Keys come from `settings.FIELD_ENCRYPTION_KEYS` (newest first): the first key encrypts, every key
decrypts, so a new key can be put in front and `manage.py rotate_encryption_keys` re-encrypts the
stored values before the old key is removed.
"""

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key."""


@cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: set FIELD_ENCRYPTION_KEY.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be comma-separated Fernet keys (32 url-safe base64 bytes)."
        ) from exc


def fernet() -> MultiFernet:
    """The MultiFernet for the configured keys (cached per key list, so settings overrides apply)."""
    return _fernet_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    try:
        return fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "An encrypted value cannot be read with the configured FIELD_ENCRYPTION_KEY(s)."
        ) from None


def rotate(value: str) -> str:
    """Re-encrypt a stored ciphertext with the newest key."""
    try:
        return fernet().rotate(value.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "An encrypted value cannot be read with the configured FIELD_ENCRYPTION_KEY(s)."
        ) from None


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token; Python code only ever sees the plain text.

    The empty string is stored as-is so that "not set" stays queryable and cheap.
    """

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every installed model that has encrypted columns, with those columns' attribute names."""
    found = []
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found
