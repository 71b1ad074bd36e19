"""Re-encrypt every encrypted column with the newest FIELD_ENCRYPTION_KEY.

Put the new key first in FIELD_ENCRYPTION_KEY (keep the old ones after it), run this command,
then remove the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from telephony import crypto


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the first (newest) key of FIELD_ENCRYPTION_KEY."

    def handle(self, *args, **options) -> None:
        total = 0
        for model, columns in crypto.encrypted_fields():
            total += self._rotate_model(model, columns)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} value(s) with the newest key."))

    def _rotate_model(self, model, columns: list[str]) -> int:
        # Raw SQL on purpose: the ORM would hand back plain text, and we must rotate the stored
        # ciphertext (MultiFernet.rotate keeps the original timestamp).
        quote = connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        count = 0
        with transaction.atomic(), connection.cursor() as cursor:
            for column in columns:
                col = quote(model._meta.get_field(column).column)
                cursor.execute(f"SELECT {pk}, {col} FROM {table} WHERE {col} <> ''")  # noqa: S608
                rows = cursor.fetchall()
                for row_pk, value in rows:
                    cursor.execute(
                        f"UPDATE {table} SET {col} = %s WHERE {pk} = %s",  # noqa: S608
                        [crypto.rotate(value), row_pk],
                    )
                count += len(rows)
        return count
