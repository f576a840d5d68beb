"""Minimal records (issue 11): a closing's justification as a choice from a list."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("ec_closure_review", justification_code=pw.CharField(max_length=30, null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("ec_closure_review", "justification_code")
