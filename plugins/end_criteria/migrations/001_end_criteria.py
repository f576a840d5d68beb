"""The end_criteria plugin's tables: criteria, agreed criteria, closing reviews and checks."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator

from plugins.api import core_table

with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create the tables."""
    
    @migrator.create_model
    class EndCriterion(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=core_table('organisation'))
        name = pw.CharField(max_length=120)
        position = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)
        required = pw.BooleanField(default=False)

        class Meta:
            table_name = "ec_criterion"
            indexes = [(('organisation', 'position', 'name'), False)]

    @migrator.create_model
    class AgreedCriterion(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        referral = pw.ForeignKeyField(column_name='referral_id', field='id', model=core_table('referral'), on_delete='CASCADE')
        criterion = pw.ForeignKeyField(column_name='criterion_id', field='id', model=migrator.orm['ec_criterion'])
        agreed_on = pw.DateField()
        by = pw.ForeignKeyField(column_name='by_id', field='id', model=core_table('user'), null=True)

        class Meta:
            table_name = "ec_agreed"
            indexes = [(('referral', 'criterion'), True)]

    @migrator.create_model
    class ClosureCheck(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        closure = pw.ForeignKeyField(column_name='closure_id', field='id', model=core_table('case_closure'), on_delete='CASCADE')
        criterion = pw.ForeignKeyField(column_name='criterion_id', field='id', model=migrator.orm['ec_criterion'])
        met = pw.BooleanField()

        class Meta:
            table_name = "ec_closure_check"
            indexes = [(('closure', 'criterion'), True)]

    @migrator.create_model
    class ClosureReview(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        closure = pw.ForeignKeyField(column_name='closure_id', field='id', model=core_table('case_closure'), on_delete='CASCADE', unique=True)
        unmet_required = pw.IntegerField(default=0)
        justification = pw.TextField(null=True)

        class Meta:
            table_name = "ec_closure_review"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the tables."""
    
    migrator.remove_model('ec_closure_review')

    migrator.remove_model('ec_closure_check')

    migrator.remove_model('ec_agreed')

    migrator.remove_model('ec_criterion')
