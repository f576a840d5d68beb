"""Instrument.higher_is_better becomes a boolean (it was the text "yes"/"no")."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("instrument", higher_is_better_flag=pw.BooleanField(default=True))
    migrator.sql("UPDATE instrument SET higher_is_better_flag = (higher_is_better <> 'no')")
    migrator.remove_fields("instrument", "higher_is_better")
    migrator.rename_field("instrument", "higher_is_better_flag", "higher_is_better")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("instrument", higher_is_better_text=pw.CharField(default="yes", max_length=3))
    migrator.sql(
        "UPDATE instrument SET higher_is_better_text = CASE WHEN higher_is_better THEN 'yes' ELSE 'no' END"
    )
    migrator.remove_fields("instrument", "higher_is_better")
    migrator.rename_field("instrument", "higher_is_better_text", "higher_is_better")
