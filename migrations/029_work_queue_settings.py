"""Work queue thresholds per organisation, SOR/EAN numbers for GP messages, reminder e-mail
opt-in per user."""

import peewee as pw
from peewee_migrate import Migrator

def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # Nullable everywhere: a NOT NULL column makes SQLite rebuild the table, which its foreign keys forbid.
    migrator.add_fields(
        "organisation",
        first_contact_days=pw.IntegerField(null=True, default=7),
        idle_weeks=pw.IntegerField(null=True, default=4),
        unassigned_days=pw.IntegerField(null=True, default=3),
        sor_code=pw.CharField(max_length=20, null=True),
        ean_code=pw.CharField(max_length=13, null=True),
        phone=pw.CharField(max_length=40, null=True),
    )
    migrator.add_fields(
        "partner",
        sor_code=pw.CharField(max_length=20, null=True),
        ean_code=pw.CharField(max_length=13, null=True),
    )
    migrator.add_fields("user", reminder_mail=pw.BooleanField(null=True, default=False))
    migrator.sql("UPDATE organisation SET first_contact_days = 7, idle_weeks = 4, unassigned_days = 3")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("user", "reminder_mail")
    migrator.remove_fields("partner", "sor_code", "ean_code")
    migrator.remove_fields(
        "organisation", "first_contact_days", "idle_weeks", "unassigned_days", "sor_code", "ean_code", "phone"
    )
