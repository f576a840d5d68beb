"""GP feedback records the case's status when it was given, and which GP practice it went to."""

import peewee as pw
from peewee_migrate import Migrator

from plugins.api import core_table


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        "collab_gp_feedback",
        status=pw.CharField(max_length=20, null=True),
        receiver=pw.ForeignKeyField(
            column_name="receiver_id", field="id", model=core_table("partner"), null=True, on_delete="SET NULL"
        ),
    )


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("collab_gp_feedback", "status", "receiver")
