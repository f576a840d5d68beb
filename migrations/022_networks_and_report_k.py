"""Networks of organisations with their evaluators, and the smallest count an evaluator is shown."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("organisation", report_k=pw.IntegerField(default=5, null=True))

    @migrator.create_model
    class Network(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        name = pw.CharField(max_length=200)
        slug = pw.CharField(max_length=60, unique=True)

        class Meta:
            table_name = "network"

    @migrator.create_model
    class NetworkMember(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        network = pw.ForeignKeyField(column_name="network_id", field="id", model=Network, on_delete="CASCADE")
        organisation = pw.ForeignKeyField(
            column_name="organisation_id", field="id", model=migrator.orm["organisation"], on_delete="CASCADE"
        )

        class Meta:
            table_name = "network_member"
            indexes = [(("network", "organisation"), True)]

    @migrator.create_model
    class NetworkEvaluator(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        network = pw.ForeignKeyField(column_name="network_id", field="id", model=Network, on_delete="CASCADE")
        user = pw.ForeignKeyField(column_name="user_id", field="id", model=migrator.orm["user"], on_delete="CASCADE")

        class Meta:
            table_name = "network_evaluator"
            indexes = [(("network", "user"), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("network_evaluator")
    migrator.remove_model("network_member")
    migrator.remove_model("network")
    migrator.remove_fields("organisation", "report_k")
