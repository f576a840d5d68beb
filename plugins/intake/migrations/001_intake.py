"""The intake plugin's tables: forms, questions, submissions and answers."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator

from plugins.api import core_table

with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext



organisation = core_table("organisation")
referral = core_table("referral")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """The intake plugin's tables."""

    @migrator.create_model
    class IntakeForm(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=organisation)
        audience = pw.CharField(max_length=20)
        title = pw.CharField(max_length=200)
        intro = pw.TextField(null=True)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "intake_form"
            indexes = [(('organisation', 'audience', 'active'), False)]

    @migrator.create_model
    class IntakeQuestion(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        form = pw.ForeignKeyField(column_name='form_id', field='id', model=migrator.orm['intake_form'], on_delete='CASCADE')
        position = pw.IntegerField(default=0)
        label = pw.CharField(max_length=300)
        help_text = pw.CharField(max_length=500, null=True)
        kind = pw.CharField(default='short_text', max_length=20)
        required = pw.BooleanField(default=False)
        choices = pw.TextField(null=True)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "intake_question"
            indexes = [(('form', 'position'), False)]

    @migrator.create_model
    class IntakeAnswer(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=organisation)
        referral = pw.ForeignKeyField(column_name='referral_id', field='id', model=referral, on_delete='CASCADE')
        question = pw.ForeignKeyField(column_name='question_id', field='id', model=migrator.orm['intake_question'], null=True, on_delete='SET NULL')
        position = pw.IntegerField(default=0)
        question_label = pw.CharField(max_length=300)
        kind = pw.CharField(max_length=20)
        value = pw.TextField()

        class Meta:
            table_name = "intake_answer"
            indexes = [(('referral', 'position'), False)]

    @migrator.create_model
    class IntakeSubmission(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=organisation)
        token = pw.CharField(max_length=64, unique=True)
        reference = pw.CharField(max_length=20, unique=True)
        form = pw.ForeignKeyField(column_name='form_id', field='id', model=migrator.orm['intake_form'], null=True, on_delete='SET NULL')
        referral = pw.ForeignKeyField(column_name='referral_id', field='id', model=referral, null=True, on_delete='CASCADE')
        source = pw.CharField(max_length=20)
        received_at = pw.DateTimeField()

        class Meta:
            table_name = "intake_submission"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the tables."""
    
    migrator.remove_model('intake_submission')

    migrator.remove_model('intake_answer')

    migrator.remove_model('intake_question')

    migrator.remove_model('intake_form')
