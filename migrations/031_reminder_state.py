"""What each user was last told by the reminder e-mails (new referrals, the daily digest)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ReminderState(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        user = pw.ForeignKeyField(
            column_name="user_id", field="id", model=migrator.orm["user"], unique=True, on_delete="CASCADE"
        )
        new_until = pw.DateTimeField(null=True)
        digest_on = pw.DateField(null=True)

        class Meta:
            table_name = "reminder_state"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("reminder_state")
