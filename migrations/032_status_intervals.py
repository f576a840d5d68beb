"""Status intervals, materialised (models/intervals.py): the table, its "status on date D" index,
the triggers that keep it in step with status_change and referral, and the rows for the existing
histories, built in one windowed pass (after dating the imported status changes that came in
without their effective date)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class StatusInterval(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        referral = pw.ForeignKeyField(
            column_name="referral_id", field="id", model=migrator.orm["referral"], on_delete="CASCADE"
        )
        organisation = pw.ForeignKeyField(
            column_name="organisation_id", field="id", model=migrator.orm["organisation"], on_delete="CASCADE"
        )
        citizen = pw.ForeignKeyField(
            column_name="citizen_id", field="id", model=migrator.orm["citizen"], on_delete="CASCADE"
        )
        status = pw.CharField(max_length=20)
        from_on = pw.DateField()
        until_on = pw.DateField()

        class Meta:
            table_name = "status_interval"
            indexes = [
                (("organisation", "status", "until_on", "from_on", "citizen", "referral"), False),
                (("referral",), False),
            ]

    def fill():
        from models.intervals import rebuild_sql, trigger_sql

        # Imported histories were written without their effective dates (NULL, or the day of the
        # import); the import dates each step at noon of the day it happened.
        day_of_at = "CAST(at AS DATE)" if isinstance(database, pw.PostgresqlDatabase) else "date(at)"
        repair = (
            f"UPDATE status_change SET effective_on = {day_of_at} "  # noqa: S608  # nosec B608 - constant SQL
            f"WHERE note = 'import' AND (effective_on IS NULL OR effective_on <> {day_of_at})"
        )
        with database.atomic():
            for sql in [repair, *rebuild_sql(database), *trigger_sql(database)]:
                database.execute_sql(sql)

    migrator.run(fill)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    def drop():
        from models.intervals import drop_trigger_sql

        for sql in drop_trigger_sql(database):
            database.execute_sql(sql)

    migrator.run(drop)
    migrator.remove_model("status_interval")
