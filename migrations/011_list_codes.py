"""Every list entry gets a stable code (models/catalogue.py); instruments get answer labels.

Existing entries are matched to the catalogue by their folded name ("praktiserende læge" → gp);
entries an organisation added itself get a code made from their name, unique in its list.
"""

import peewee as pw
from peewee_migrate import Migrator

NEW_CODE_TABLES = ("referral_channel", "referral_reason", "activity_category", "partner_kind", "contact_kind")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in NEW_CODE_TABLES:
        migrator.add_fields(table, code=pw.CharField(max_length=40, null=True))
    migrator.add_fields("instrument", anchors=pw.TextField(null=True))

    def fill():
        from models import catalogue

        for table, known in catalogue.codes_by_table().items():
            catalogue.fill_codes(database, table, known)
        instrument = pw.Table("instrument", ("id", "code", "anchors")).bind(database)
        for spec in catalogue.INSTRUMENTS:
            instrument.update(anchors="\n".join(spec["anchors"])).where(
                (instrument.code == spec["code"]) & instrument.anchors.is_null()
            ).execute()

    migrator.run(fill)
    for table in (*NEW_CODE_TABLES, "closure_reason", "instrument"):
        migrator.add_index(table, "organisation", "code")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in (*NEW_CODE_TABLES, "closure_reason", "instrument"):
        migrator.drop_index(table, "organisation", "code")
    migrator.remove_fields("instrument", "anchors")
    for table in NEW_CODE_TABLES:
        migrator.remove_fields(table, "code")
