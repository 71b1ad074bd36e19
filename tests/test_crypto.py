"""Secrets are encrypted at rest, readable through the ORM, and re-encryptable with a new key."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from telephony.admin import ConnectorForm
from telephony.crypto import DecryptionError
from telephony.models import Connector, RingCentralToken
from tests.factories import EntityFactory, ResourceFactory

SECRET = "client-secret-Zx81"
ACCESS = "access-token-U1BCMDFUMDRKV1MwMXxz"
REFRESH = "refresh-token-U1BCMDFUMDRKV1MwMXxzLFL4"


def raw_column(model, pk: int, column: str) -> str:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def connector(db):
    return Connector.objects.create(entity=EntityFactory(), client_id="app-1", client_secret=SECRET)


@pytest.fixture
def token(connector):
    return RingCentralToken.objects.create(
        connector=connector,
        resource=ResourceFactory(entity=connector.entity),
        access_token=ACCESS,
        refresh_token=REFRESH,
    )


def test_it_stores_secrets_unreadable_and_reads_them_back(connector, token):
    assert SECRET not in raw_column(Connector, connector.pk, "client_secret")
    assert ACCESS not in raw_column(RingCentralToken, token.pk, "access_token")
    assert REFRESH not in raw_column(RingCentralToken, token.pk, "refresh_token")
    assert Connector.objects.get(pk=connector.pk).client_secret == SECRET
    fresh = RingCentralToken.objects.get(pk=token.pk)
    assert (fresh.access_token, fresh.refresh_token) == (ACCESS, REFRESH)


def test_it_keeps_empty_values_empty(connector):
    assert raw_column(Connector, connector.pk, "jwt_credential") == ""
    assert Connector.objects.get(pk=connector.pk).jwt_credential == ""


def test_it_refuses_to_read_with_an_unknown_key(connector, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError, match="FIELD_ENCRYPTION_KEY") as caught:
        Connector.objects.get(pk=connector.pk)
    assert SECRET not in str(caught.value)


def test_it_rotates_every_encrypted_column_to_the_newest_key(connector, token, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert RingCentralToken.objects.get(pk=token.pk).access_token == ACCESS  # old ciphertext still readable

    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    for model, pk, column in [
        (Connector, connector.pk, "client_secret"),
        (RingCentralToken, token.pk, "access_token"),
        (RingCentralToken, token.pk, "refresh_token"),
    ]:
        stored = raw_column(model, pk, column).encode()
        assert Fernet(new_key.encode()).decrypt(stored)
        with pytest.raises(InvalidToken):
            Fernet(old_key.encode()).decrypt(stored)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key can now be dropped
    assert Connector.objects.get(pk=connector.pk).client_secret == SECRET
    assert RingCentralToken.objects.get(pk=token.pk).refresh_token == REFRESH


def test_admin_form_keeps_the_secret_when_left_blank_and_never_renders_it(connector):
    form = ConnectorForm(
        instance=connector,
        data={
            "entity": connector.entity_id,
            "client_id": "app-2",
            "client_secret": "",
            "server_url": connector.server_url,
            "delivery_mode": "webhook",
            "public_base_url": "",
            "jwt_credential": "",
        },
    )
    assert SECRET not in form.as_p()
    assert form.is_valid(), form.errors
    form.save()
    connector.refresh_from_db()
    assert (connector.client_id, connector.client_secret) == ("app-2", SECRET)


def test_connector_status_follows_configuration(db):
    connector = Connector.objects.create(entity=EntityFactory())
    assert connector.status == Connector.Status.NOT_CONFIGURED and not connector.is_configured
    connector.client_id, connector.client_secret = "app", "secret"
    connector.save()
    assert connector.status == Connector.Status.READY and connector.is_configured
