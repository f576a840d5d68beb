"""The SQLite FTS5 trigram index behind search (issue 15): the same rows as the plain scan,
kept in step with every write, short terms still found, built for rows that existed before it."""

import importlib.util
from pathlib import Path

import pytest
from peewee import SqliteDatabase
from playhouse.test_utils import count_queries

from extensions import db
from models import Citizen, Referral, search
from tests import factories

NAMES = ["Søren Østergård", "Åse Mørk", "Aase Bæk", "Ærø Jensen", "Bo Ib", "José Dahl"]
TERMS = ["søren", "SØREN", "soren", "østergaard", "ØSTERGÅRD", "åse", "aase", "ase", "ærø", "aero", "mørk", "BÆK"]
SHORT = ["bo", "ib", "sø", "å", "æ"]


def _sqlite_only():
    if not isinstance(db.obj, SqliteDatabase):
        pytest.skip("the FTS5 index is SQLite's; PostgreSQL uses trigram GIN indexes")


def _scan(model, org, term):
    """Today's search without the index: LIKE on every folded key."""
    query = model.select(model.id).where(model.organisation == org.id)
    for token in search.search_terms(term):
        query = query.where(model.search_key.contains(token))
    return sorted(row.id for row in query)


def _indexed(model, org, term):
    query = search.apply_search(model.select(model.id).where(model.organisation == org.id), model, term)
    return sorted(row.id for row in query)


def _fts_ids(model, term):
    table = search.fts_table(model)
    sql = f'SELECT rowid FROM "{table}" WHERE "{table}" MATCH ?'  # noqa: S608
    return sorted(r for (r,) in db.obj.execute_sql(sql, (search.fts_query(search.search_terms(term)),)))


def _integrity(table):
    db.obj.execute_sql(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")  # noqa: S608


@pytest.mark.parametrize("probe", [search.FTS_PROBE, 0])  # 0: every term counts as common (scan path)
def test_indexed_search_finds_exactly_what_the_scan_finds(world, app, monkeypatch, probe):
    monkeypatch.setattr(search, "FTS_PROBE", probe)
    a = world.a
    for name in NAMES:
        factories.make_referral(a.org, citizen=factories.make_citizen(a.org, name=name, initials="XY"))
        factories.make_referral(world.b.org, citizen=factories.make_citizen(world.b.org, name=name, initials="XY"))
    for term in [*TERMS, *SHORT, "xyzzy", "søren dahl", "sør øst", '"a"b', "%", "50%"]:
        for model in (Citizen, Referral):
            expected = _scan(model, a.org, term)
            assert _indexed(model, a.org, term) == expected, (model.__name__, term)
    assert _indexed(Citizen, a.org, "søren") and not _indexed(Citizen, a.org, "xyzzy")


def test_sqlite_uses_the_index_and_it_follows_every_write(world, app):
    _sqlite_only()
    a = world.a
    citizen = factories.make_citizen(a.org, name="Søren Østergård", initials="SØ")
    case = factories.make_referral(a.org, citizen=citizen)
    assert search.fts_table(Citizen) == "citizen_fts" and search.fts_table(Referral) == "referral_fts"
    assert _fts_ids(Citizen, "østergaard") == [citizen.id]
    assert _fts_ids(Referral, "østergaard") == [case.id]
    assert _fts_ids(Referral, str(case.id * 1000 + 999)) == []

    citizen = Citizen.get_by_id(citizen.id)
    citizen.name = "Åse Mørk"
    citizen.save()  # renames the citizen's cases' keys too
    assert _fts_ids(Citizen, "østergaard") == [] and _fts_ids(Referral, "østergaard") == []
    assert _fts_ids(Citizen, "aase mork") == [citizen.id] and _fts_ids(Referral, "ase mork") == [case.id]

    Referral.get_by_id(case.id).delete_instance()
    assert _fts_ids(Referral, "mork") == []
    _integrity("citizen_fts")
    _integrity("referral_fts")


def test_a_search_that_finds_nothing_reads_the_index_not_the_table(world, app):
    _sqlite_only()
    a = world.a
    for name in NAMES:
        factories.make_referral(a.org, citizen=factories.make_citizen(a.org, name=name))
    with count_queries() as counter:
        assert _indexed(Referral, a.org, "xyzzy") == []
    sql = [record.msg[0] for record in counter.get_queries()]
    assert any("MATCH" in q for q in sql), sql
    assert any("0 = 1" in q for q in sql), sql  # the main query is decided by the index, no scan


def test_the_migration_indexes_rows_that_existed_before_it(world, app):
    _sqlite_only()
    a = world.a
    citizen = factories.make_citizen(a.org, name="Gammel Østergaard")
    case = factories.make_referral(a.org, citizen=citizen)
    path = Path(__file__).resolve().parent.parent / "migrations" / "017_sqlite_fts_search.py"
    spec = importlib.util.spec_from_file_location("m017", path)
    m017 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m017)
    for table in m017.TABLES:
        for suffix in ("insert", "delete", "update"):
            db.obj.execute_sql(f"DROP TRIGGER {table}_fts_{suffix}")
        db.obj.execute_sql(f"DROP TABLE {table}_fts")
    for table in m017.TABLES:
        for sql in m017.statements(table):
            db.obj.execute_sql(sql)
    assert _fts_ids(Citizen, "gammel") == [citizen.id]
    assert _fts_ids(Referral, "ostergaard") == [case.id]
    _integrity("referral_fts")


@pytest.mark.parametrize("term", ["søren", "sø", "xyzzy"])
def test_list_pages_and_lookups_search_through_the_index(login, world, term):
    a = world.a
    citizen = factories.make_citizen(a.org, name="Søren Østergård", initials="SØ")
    factories.make_referral(a.org, citizen=citizen, assigned_to=a.users["bridge_builder"])
    client = login(a.users["bridge_builder"])
    found = term != "xyzzy"
    assert ("Søren Østergård" in client.get(f"/admin/citizen/?search={term}").get_data(as_text=True)) is found
    assert ("Søren Østergård" in client.get(f"/admin/referral/?search={term}").get_data(as_text=True)) is found
    lookup = client.get(f"/admin/referral/ajax/lookup/?name=citizen&query={term}").get_json()
    assert ([row[0] for row in lookup] == [citizen.id]) is found
