"""Indexes for customer search as staff type it (crm.search).

Written as SQL because they index expressions with operator classes: trigram GIN indexes on the
upper-cased names serve `upper(name) LIKE '%JANE%'`; a btree on the reversed E.164 number serves
the last digits typed ("0100" is the prefix "0010" of the reversed number, one index range).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "customer_name_trgm": "crm_customer USING gin (upper(name) gin_trgm_ops)",
    "customer_account_upper_idx": "crm_customer (entity_id, upper(account_number))",
    "contact_first_name_trgm": "crm_contact USING gin (upper(first_name) gin_trgm_ops)",
    "contact_last_name_trgm": "crm_contact USING gin (upper(last_name) gin_trgm_ops)",
    "phone_entity_e164_rev_idx": "crm_phonenumber (entity_id, reverse(e164) text_pattern_ops)",
}


class PostgresOnlySQL(migrations.RunSQL):
    """The index SQL is PostgreSQL's; the embedded SQLite database searches without these indexes."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_resource_open_wizard_for_placed_calls")]

    operations = [
        TrigramExtension(),  # a trusted extension since PostgreSQL 13: the database owner may create it
        *(
            PostgresOnlySQL(f"CREATE INDEX {name} ON {target}", f"DROP INDEX {name}")
            for name, target in INDEXES.items()
        ),
    ]
