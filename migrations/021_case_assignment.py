"""Assignment history: who had a case from which day (reports per bridge builder on a past date)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class CaseAssignment(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        referral = pw.ForeignKeyField(
            column_name="referral_id", field="id", model=migrator.orm["referral"], on_delete="CASCADE"
        )
        assigned_to = pw.ForeignKeyField(
            column_name="assigned_to_id", field="id", model=migrator.orm["user"], null=True
        )
        effective_on = pw.DateField()
        at = pw.DateTimeField()

        class Meta:
            table_name = "case_assignment"
            indexes = [(("referral", "effective_on"), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("case_assignment")
