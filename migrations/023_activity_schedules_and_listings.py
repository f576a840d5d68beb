"""Schedules as RFC 5545 rules (existing activities converted from weekday + frequency), public
listing fields, session head counts by gender, active partners, listing changes and waiting lists."""

import peewee as pw
from peewee_migrate import Migrator

BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def rule_for(frequency, weekday):
    """The RRULE of an activity stored as weekday + frequency label (as models/schedule.py writes it)."""
    if weekday is None or frequency in (None, "", "ad_hoc"):
        return None
    day = BYDAY[weekday]
    return {
        "weekly": f"FREQ=WEEKLY;BYDAY={day}",
        "biweekly": f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}",
        "twice_monthly": f"FREQ=MONTHLY;BYDAY=1{day},3{day}",
        "monthly": f"FREQ=MONTHLY;BYDAY=1{day}",
    }.get(frequency, f"FREQ=WEEKLY;BYDAY={day}")


def convert(database):
    """Give every activity stored as weekday + frequency its rule."""
    table = pw.Table("activity", ("id", "frequency", "weekday", "recurrence")).bind(database)
    for activity_id, frequency, weekday in table.select(table.id, table.frequency, table.weekday).tuples():
        rule = rule_for(frequency, weekday)
        if rule:
            table.update(recurrence=rule).where(table.id == activity_id).execute()


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    # Booleans nullable with a default: a NOT NULL column makes SQLite rebuild the table.
    migrator.add_fields(
        "activity",
        recurrence=pw.CharField(max_length=200, null=True),
        end_time=pw.TimeField(null=True),
        cancelled_dates=pw.TextField(null=True),
        moved_dates=pw.TextField(null=True),
        postal_code=pw.CharField(max_length=10, null=True),
        city=pw.CharField(max_length=100, null=True),
        target_group=pw.CharField(max_length=200, null=True),
        step_free=pw.BooleanField(default=False, null=True),
        accessible_toilet=pw.BooleanField(default=False, null=True),
        hearing_loop=pw.BooleanField(default=False, null=True),
        accessibility_note=pw.CharField(max_length=500, null=True),
        contact_info=pw.CharField(max_length=200, null=True),
        how_to_join=pw.CharField(max_length=500, null=True),
    )
    migrator.add_fields(
        "activity_session",
        men=pw.IntegerField(null=True),
        women=pw.IntegerField(null=True),
        newcomers=pw.IntegerField(null=True),
        logged_by=pw.ForeignKeyField(migrator.orm["user"], null=True, field="id", column_name="logged_by_id"),
    )
    migrator.add_fields("partner", active=pw.BooleanField(default=True, null=True))
    migrator.add_fields("organisation", session_demographics=pw.BooleanField(default=False, null=True))

    @migrator.create_model
    class ListingChange(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name="organisation_id", field="id", model=migrator.orm["organisation"])
        activity = pw.ForeignKeyField(
            column_name="activity_id", field="id", model=migrator.orm["activity"], on_delete="CASCADE"
        )
        proposed = pw.TextField()
        previous = pw.TextField()
        status = pw.CharField(max_length=10, default="pending")
        proposed_by = pw.ForeignKeyField(
            column_name="proposed_by_id", field="id", model=migrator.orm["user"], null=True
        )
        decided_by = pw.ForeignKeyField(column_name="decided_by_id", field="id", model=migrator.orm["user"], null=True)
        decided_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "listing_change"
            indexes = [(("organisation", "status"), False)]

    @migrator.create_model
    class WaitingListEntry(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name="organisation_id", field="id", model=migrator.orm["organisation"])
        activity = pw.ForeignKeyField(
            column_name="activity_id", field="id", model=migrator.orm["activity"], on_delete="CASCADE"
        )
        referral = pw.ForeignKeyField(
            column_name="referral_id", field="id", model=migrator.orm["referral"], on_delete="CASCADE"
        )
        added_by = pw.ForeignKeyField(column_name="added_by_id", field="id", model=migrator.orm["user"], null=True)

        class Meta:
            table_name = "waiting_list_entry"
            indexes = [(("activity", "referral"), True)]

    migrator.run(convert, database)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("waiting_list_entry")
    migrator.remove_model("listing_change")
    migrator.remove_fields("organisation", "session_demographics")
    migrator.remove_fields("partner", "active")
    migrator.remove_fields("activity_session", "men", "women", "newcomers", "logged_by")
    migrator.remove_fields(
        "activity",
        "recurrence",
        "end_time",
        "cancelled_dates",
        "moved_dates",
        "postal_code",
        "city",
        "target_group",
        "step_free",
        "accessible_toilet",
        "hearing_loop",
        "accessibility_note",
        "contact_info",
        "how_to_join",
    )
