"""Minimal records (issue 11): a collaboration note's consent scope as a choice from a list."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("collab_note", consent_scope_code=pw.CharField(max_length=20, null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("collab_note", "consent_scope_code")
