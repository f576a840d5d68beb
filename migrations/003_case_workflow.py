"""Case workflow: a status history per case, and a review date on the case."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("referral", review_on=pw.DateField(null=True))

    @migrator.create_model
    class StatusChange(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        referral = pw.ForeignKeyField(
            column_name="referral_id", field="id", model=migrator.orm["referral"], on_delete="CASCADE"
        )
        from_status = pw.CharField(max_length=20, null=True)
        to_status = pw.CharField(max_length=20)
        by = pw.ForeignKeyField(column_name="by_id", field="id", model=migrator.orm["user"], null=True)
        at = pw.DateTimeField()
        note = pw.TextField(null=True)

        class Meta:
            table_name = "status_change"
            indexes = [(("referral", "at"), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("status_change")
    migrator.remove_fields("referral", "review_on")
