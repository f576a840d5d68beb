"""Spreadsheet import: the external id a record was imported under (so a re-import changes
nothing), and one row per import with its file until it is committed or cancelled."""

import peewee as pw
from peewee_migrate import Migrator

TABLES = ("partner", "activity", "citizen", "referral")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in TABLES:
        migrator.add_fields(table, external_id=pw.CharField(max_length=100, null=True))
        migrator.add_index(table, "organisation", "external_id")

    @migrator.create_model
    class ImportBatch(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name="organisation_id", field="id", model=migrator.orm["organisation"])
        user = pw.ForeignKeyField(column_name="user_id", field="id", model=migrator.orm["user"], null=True)
        kind = pw.CharField(max_length=20)
        filename = pw.CharField(max_length=200)
        content = pw.BlobField(null=True)
        status = pw.CharField(max_length=20, default="previewed")
        rows = pw.IntegerField(default=0)
        created = pw.IntegerField(default=0)
        updated = pw.IntegerField(default=0)
        unchanged = pw.IntegerField(default=0)
        errors = pw.IntegerField(default=0)
        committed_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "import_batch"
            indexes = [(("organisation", "created_at"), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("import_batch")
    for table in TABLES:
        migrator.drop_index(table, "organisation", "external_id")
        migrator.remove_fields(table, "external_id")
