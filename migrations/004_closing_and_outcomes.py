"""Closing cases and outcome measures: closure reasons, closures, instruments, measurements."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ClosureReason(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name="organisation_id", field="id", model=migrator.orm["organisation"])
        name = pw.CharField(max_length=120)
        position = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)
        code = pw.CharField(max_length=40, null=True)

        class Meta:
            table_name = "closure_reason"
            indexes = [(("organisation", "position", "name"), False)]

    @migrator.create_model
    class CaseClosure(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name="organisation_id", field="id", model=migrator.orm["organisation"])
        referral = pw.ForeignKeyField(column_name="referral_id", field="id", model=migrator.orm["referral"])
        closed_on = pw.DateField()
        reason = pw.ForeignKeyField(column_name="reason_id", field="id", model=migrator.orm["closure_reason"])
        note = pw.TextField(null=True)
        by = pw.ForeignKeyField(column_name="by_id", field="id", model=migrator.orm["user"], null=True)
        reopened_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "case_closure"
            indexes = [(("organisation", "closed_on"), False), (("referral", "closed_on"), False)]

    @migrator.create_model
    class Instrument(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name="organisation_id", field="id", model=migrator.orm["organisation"])
        name = pw.CharField(max_length=120)
        position = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)
        code = pw.CharField(max_length=40, null=True)
        items = pw.TextField()
        item_min = pw.IntegerField(default=0)
        item_max = pw.IntegerField(default=5)
        factor = pw.FloatField(default=1.0)
        higher_is_better = pw.CharField(default="yes", max_length=3)

        class Meta:
            table_name = "instrument"
            indexes = [(("organisation", "position", "name"), False)]

    @migrator.create_model
    class Measurement(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name="organisation_id", field="id", model=migrator.orm["organisation"])
        referral = pw.ForeignKeyField(
            column_name="referral_id", field="id", model=migrator.orm["referral"], on_delete="CASCADE"
        )
        instrument = pw.ForeignKeyField(column_name="instrument_id", field="id", model=migrator.orm["instrument"])
        phase = pw.CharField(max_length=10)
        taken_on = pw.DateField()
        answers = pw.TextField()
        score = pw.FloatField()
        by = pw.ForeignKeyField(column_name="by_id", field="id", model=migrator.orm["user"], null=True)
        at = pw.DateTimeField()

        class Meta:
            table_name = "measurement"
            indexes = [(("referral", "instrument", "taken_on"), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ("measurement", "instrument", "case_closure", "closure_reason"):
        migrator.remove_model(table)
