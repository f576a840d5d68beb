"""The collaboration plugin's tables: notes with services and GP feedback records."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator

from plugins.api import core_table

with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create the tables."""
    
    @migrator.create_model
    class CollaborationNote(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=core_table('organisation'))
        referral = pw.ForeignKeyField(column_name='referral_id', field='id', model=core_table('referral'))
        service = pw.ForeignKeyField(column_name='service_id', field='id', model=core_table('partner'))
        direction = pw.CharField(default='out', max_length=5)
        date = pw.DateField()
        channel = pw.CharField(default='phone', max_length=20)
        legal_basis = pw.CharField(default='consent', max_length=20)
        consent_on = pw.DateField(null=True)
        consent_scope = pw.CharField(max_length=200, null=True)
        summary = pw.TextField(null=True)
        handover = pw.BooleanField(default=False)
        handover_status = pw.CharField(max_length=10, null=True)
        followup_on = pw.DateField(null=True)
        followup_owner = pw.ForeignKeyField(column_name='followup_owner_id', field='id', model=core_table('user'), null=True)
        followup_done_at = pw.DateTimeField(null=True)
        followup_done_by = pw.ForeignKeyField(column_name='followup_done_by_id', field='id', model=core_table('user'), null=True)
        by = pw.ForeignKeyField(column_name='by_id', field='id', model=core_table('user'), null=True)

        class Meta:
            table_name = "collab_note"
            indexes = [(('referral', 'date'), False), (('organisation', 'followup_on'), False)]

    @migrator.create_model
    class GpFeedback(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=core_table('organisation'))
        referral = pw.ForeignKeyField(column_name='referral_id', field='id', model=core_table('referral'))
        given_at = pw.DateTimeField()
        form = pw.CharField(max_length=10)
        by = pw.ForeignKeyField(column_name='by_id', field='id', model=core_table('user'), null=True)

        class Meta:
            table_name = "collab_gp_feedback"
            indexes = [(('referral', 'given_at'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the tables."""
    
    migrator.remove_model('collab_gp_feedback')

    migrator.remove_model('collab_note')
