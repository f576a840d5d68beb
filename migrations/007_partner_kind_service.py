"""Partner kinds can be services we collaborate with (municipal services, GP practices)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # Nullable: adding a NOT NULL column makes SQLite rebuild the table, which its foreign keys forbid.
    migrator.add_fields("partner_kind", service=pw.BooleanField(default=False, null=True))
    # By name, as it must stay: partner kinds had no code until migration 011, and this ran once on
    # the databases of its day (only the default kinds, by their Danish names, are services).
    # Code compares codes (models/catalogue.py: MUNICIPAL_SERVICE, GP_PRACTICE), never these names.
    # A constant statement; the only substitution is TRUE or 1, by database kind.
    true = "TRUE" if isinstance(database, pw.PostgresqlDatabase) else "1"
    migrator.sql(f"UPDATE partner_kind SET service = {true} WHERE name IN ('Kommunal tjeneste', 'Lægepraksis')")  # nosec B608


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("partner_kind", "service")
