"""End criteria get a stable code, like every list entry (models/catalogue.py)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("ec_criterion", code=pw.CharField(max_length=40, null=True))

    def fill():
        from plugins.api import catalogue

        catalogue.fill_codes(database, "ec_criterion", [(code, name) for code, name, _req in catalogue.END_CRITERIA])

    migrator.run(fill)
    migrator.add_index("ec_criterion", "organisation", "code")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index("ec_criterion", "organisation", "code")
    migrator.remove_fields("ec_criterion", "code")
