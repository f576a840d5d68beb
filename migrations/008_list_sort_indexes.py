"""Indexes for two list orders that sorted a whole organisation (bench/README.md): the match list
(newest first) and the referral list sorted by first contact."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_index("match", "organisation", "created_at")
    migrator.add_index("referral", "organisation", "first_contact_on")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index("match", "organisation", "created_at")
    migrator.drop_index("referral", "organisation", "first_contact_on")
