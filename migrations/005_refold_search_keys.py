"""Recompute search keys after "aa" started folding like å (Åse and Aase now find each other)."""

import peewee as pw
from peewee_migrate import Migrator

TABLES = {
    "citizen": ("name", "initials", "postal_code", "phone", "email"),
    "partner": ("name", "contact_name", "contact_email"),
    "activity": ("name", "place"),
    "user": ("name", "email"),
}


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    def refold():
        from models.search import fold

        keys = {}
        for name, fields in TABLES.items():
            table = pw.Table(name, ("id", "search_key", *fields)).bind(database)
            for row in table.select(table.id, *(getattr(table, f) for f in fields)).tuples():
                key = fold(" ".join(str(v or "") for v in row[1:]))
                table.update(search_key=key).where(table.id == row[0]).execute()
                if name == "citizen":
                    keys[row[0]] = key
        referral = pw.Table("referral", ("id", "citizen_id", "search_key")).bind(database)
        for case_id, citizen_id in referral.select(referral.id, referral.citizen_id).tuples():
            referral.update(search_key=fold(f"{case_id} {keys.get(citizen_id, '')}")).where(
                referral.id == case_id
            ).execute()

    migrator.run(refold)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    pass  # the old keys were only less complete; nothing to undo
