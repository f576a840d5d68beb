"""Index for the duplicate check: citizens of an organisation by birth year and postal area."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_index("citizen", "organisation", "birth_year", "postal_code")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index("citizen", "organisation", "birth_year", "postal_code")
