"""Short dated notes on a case, for the case page's timeline."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class CaseNote(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name="organisation_id", field="id", model=migrator.orm["organisation"])
        referral = pw.ForeignKeyField(
            column_name="referral_id", field="id", model=migrator.orm["referral"], on_delete="CASCADE"
        )
        date = pw.DateField()
        text = pw.TextField()
        by = pw.ForeignKeyField(column_name="by_id", field="id", model=migrator.orm["user"], null=True)

        class Meta:
            table_name = "case_note"
            indexes = [(("referral", "date"), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("case_note")
