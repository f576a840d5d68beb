"""The core schema: organisations, users, lists, partners, activities, citizens, cases, audit log."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create the tables."""
    
    @migrator.create_model
    class Organisation(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        name = pw.CharField(max_length=200)
        slug = pw.CharField(max_length=60, unique=True)
        minimal_records = pw.BooleanField(default=False)
        allow_anonymous = pw.BooleanField(default=True)
        max_case_days = pw.IntegerField(default=365)

        class Meta:
            table_name = "organisation"

    @migrator.create_model
    class PartnerKind(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        name = pw.CharField(max_length=120)
        position = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "partner_kind"
            indexes = [(('organisation', 'position', 'name'), False)]

    @migrator.create_model
    class Partner(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        search_key = pw.CharField(default='', max_length=500)
        name = pw.CharField(max_length=200)
        kind = pw.ForeignKeyField(column_name='kind_id', field='id', model=migrator.orm['partner_kind'], null=True)
        contact_name = pw.CharField(max_length=200, null=True)
        contact_email = pw.CharField(max_length=254, null=True)
        contact_phone = pw.CharField(max_length=40, null=True)
        agreement = pw.TextField(null=True)
        agreement_until = pw.DateField(null=True)

        class Meta:
            table_name = "partner"
            indexes = [(('organisation', 'name'), False)]

    @migrator.create_model
    class ActivityCategory(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        name = pw.CharField(max_length=120)
        position = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "activity_category"
            indexes = [(('organisation', 'position', 'name'), False)]

    @migrator.create_model
    class Activity(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        search_key = pw.CharField(default='', max_length=500)
        partner = pw.ForeignKeyField(column_name='partner_id', field='id', model=migrator.orm['partner'])
        name = pw.CharField(max_length=200)
        category = pw.ForeignKeyField(column_name='category_id', field='id', model=migrator.orm['activity_category'], null=True)
        focus = pw.CharField(default='social', max_length=20)
        frequency = pw.CharField(default='weekly', max_length=20)
        weekday = pw.IntegerField(null=True)
        start_time = pw.TimeField(null=True)
        place = pw.CharField(max_length=200, null=True)
        price = pw.CharField(default='free', max_length=20)
        age_min = pw.IntegerField(null=True)
        age_max = pw.IntegerField(null=True)
        capacity = pw.IntegerField(null=True)
        is_practice = pw.BooleanField(default=False)
        leads_to = pw.ForeignKeyField(column_name='leads_to_id', field='id', model='self', null=True)
        public = pw.BooleanField(default=False)
        active_from = pw.DateField(null=True)
        active_until = pw.DateField(null=True)
        description = pw.TextField(null=True)

        class Meta:
            table_name = "activity"
            indexes = [(('organisation', 'name'), False), (('organisation', 'partner'), False)]

    @migrator.create_model
    class ActivitySession(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        activity = pw.ForeignKeyField(column_name='activity_id', field='id', model=migrator.orm['activity'])
        date = pw.DateField()
        head_count = pw.IntegerField(null=True)
        notes = pw.TextField(null=True)

        class Meta:
            table_name = "activity_session"
            indexes = [(('organisation', 'date'), False), (('activity', 'date'), True)]

    @migrator.create_model
    class Citizen(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        name = pw.CharField(max_length=200, null=True)
        initials = pw.CharField(max_length=20)
        anonymous = pw.BooleanField(default=False)
        birth_year = pw.IntegerField(null=True)
        gender = pw.CharField(default='unknown', max_length=10)
        postal_code = pw.CharField(max_length=10, null=True)
        phone = pw.CharField(max_length=40, null=True)
        email = pw.CharField(max_length=254, null=True)
        address = pw.CharField(max_length=200, null=True)
        lives_alone = pw.BooleanField(null=True)
        gp_practice = pw.CharField(max_length=200, null=True)
        consent_on = pw.DateField(null=True)
        consent_scope = pw.CharField(max_length=200, null=True)
        search_key = pw.CharField(default='', index=True, max_length=500)

        class Meta:
            table_name = "citizen"
            indexes = [(('organisation', 'search_key'), False), (('organisation', 'created_at'), False)]

    @migrator.create_model
    class Attendance(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        session = pw.ForeignKeyField(column_name='session_id', field='id', model=migrator.orm['activity_session'])
        citizen = pw.ForeignKeyField(column_name='citizen_id', field='id', model=migrator.orm['citizen'])

        class Meta:
            table_name = "attendance"
            indexes = [(('session', 'citizen'), True)]

    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        search_key = pw.CharField(default='', max_length=500)
        email = pw.CharField(max_length=254, unique=True)
        name = pw.CharField(max_length=200)
        role = pw.CharField(max_length=20)
        partner = pw.ForeignKeyField(column_name='partner_id', field='id', model=migrator.orm['partner'], null=True)
        password_hash = pw.CharField(default='', max_length=255)
        active = pw.BooleanField(default=True)
        last_login_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "user"

    @migrator.create_model
    class AuditLog(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'], null=True)
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], null=True)
        role = pw.CharField(max_length=20, null=True)
        action = pw.CharField(max_length=20)
        model = pw.CharField(max_length=60)
        record_id = pw.IntegerField(null=True)
        at = pw.DateTimeField()

        class Meta:
            table_name = "audit_log"
            indexes = [(('organisation', 'at'), False), (('model', 'record_id'), False)]

    @migrator.create_model
    class ReferralChannel(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        name = pw.CharField(max_length=120)
        position = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "referral_channel"
            indexes = [(('organisation', 'position', 'name'), False)]

    @migrator.create_model
    class Referral(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        citizen = pw.ForeignKeyField(column_name='citizen_id', field='id', model=migrator.orm['citizen'])
        channel = pw.ForeignKeyField(column_name='channel_id', field='id', model=migrator.orm['referral_channel'], null=True)
        referrer_name = pw.CharField(max_length=200, null=True)
        referrer_phone = pw.CharField(max_length=40, null=True)
        received_on = pw.DateField()
        assigned_to = pw.ForeignKeyField(column_name='assigned_to_id', field='id', model=migrator.orm['user'], null=True)
        status = pw.CharField(default='received', max_length=20)
        first_contact_on = pw.DateField(null=True)
        shared = pw.BooleanField(default=False)
        note = pw.TextField(null=True)
        search_key = pw.CharField(default='', max_length=500)

        class Meta:
            table_name = "referral"
            indexes = [(('organisation', 'search_key'), False), (('organisation', 'received_on'), False), (('organisation', 'status', 'received_on'), False), (('organisation', 'assigned_to', 'received_on'), False)]

    @migrator.create_model
    class ContactKind(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        name = pw.CharField(max_length=120)
        position = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "contact_kind"
            indexes = [(('organisation', 'position', 'name'), False)]

    @migrator.create_model
    class Contact(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        referral = pw.ForeignKeyField(column_name='referral_id', field='id', model=migrator.orm['referral'])
        date = pw.DateField()
        kind = pw.ForeignKeyField(column_name='kind_id', field='id', model=migrator.orm['contact_kind'], null=True)
        minutes = pw.IntegerField(null=True)
        note = pw.TextField(null=True)
        by = pw.ForeignKeyField(column_name='by_id', field='id', model=migrator.orm['user'], null=True)

        class Meta:
            table_name = "contact"
            indexes = [(('referral', 'date'), False), (('organisation', 'date'), False)]

    @migrator.create_model
    class Match(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        version = pw.IntegerField(default=1)
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        referral = pw.ForeignKeyField(column_name='referral_id', field='id', model=migrator.orm['referral'])
        activity = pw.ForeignKeyField(column_name='activity_id', field='id', model=migrator.orm['activity'])
        status = pw.CharField(default='suggested', max_length=20)
        role = pw.CharField(default='participant', max_length=20)
        accompanied = pw.BooleanField(default=False)
        started_on = pw.DateField(null=True)
        ended_on = pw.DateField(null=True)

        class Meta:
            table_name = "match"
            indexes = [(('referral', 'activity'), False), (('organisation', 'status'), False)]

    @migrator.create_model
    class ReferralReason(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        organisation = pw.ForeignKeyField(column_name='organisation_id', field='id', model=migrator.orm['organisation'])
        name = pw.CharField(max_length=120)
        position = pw.IntegerField(default=0)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "referral_reason"
            indexes = [(('organisation', 'position', 'name'), False)]

    @migrator.create_model
    class ReferralReasonLink(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        referral = pw.ForeignKeyField(column_name='referral_id', field='id', model=migrator.orm['referral'], on_delete='CASCADE')
        reason = pw.ForeignKeyField(column_name='reason_id', field='id', model=migrator.orm['referral_reason'])

        class Meta:
            table_name = "referral_reason_link"
            indexes = [(('referral', 'reason'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the tables."""
    
    migrator.remove_model('referral_reason_link')

    migrator.remove_model('referral_reason')

    migrator.remove_model('match')

    migrator.remove_model('contact')

    migrator.remove_model('contact_kind')

    migrator.remove_model('referral')

    migrator.remove_model('referral_channel')

    migrator.remove_model('audit_log')

    migrator.remove_model('user')

    migrator.remove_model('attendance')

    migrator.remove_model('citizen')

    migrator.remove_model('activity_session')

    migrator.remove_model('activity')

    migrator.remove_model('activity_category')

    migrator.remove_model('partner')

    migrator.remove_model('partner_kind')

    migrator.remove_model('organisation')
