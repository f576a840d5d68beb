"""Spreadsheet import throughput: rows per second for a 50 000-row referral file.

Builds a fresh database (SQLite, and PostgreSQL with --postgres URL), creates an organisation
with create-organisation's function, imports N citizens, then times the referral file's preview
(read + every check, nothing written) and commit (the same checks again, then every row written
with its reasons, status history and closing, in one transaction), for CSV and XLSX. It then
imports the file again and checks that nothing changed.

    .venv/bin/python bench/import_throughput.py [--rows 50000] [--postgres postgresql://...]
"""

import argparse
import csv
import datetime
import io
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHANNELS = ["Praktiserende læge", "hjemmepleje", "PSYKIATRIEN", "self", "civil_society"]
REASONS = ["Følelsesmæssig ensomhed", "social isolation", "Sorg efter tab; Andet", "newcomer", ""]
STATUSES = ["modtaget", "kontaktet", "aktiv", "afventer", "takket nej", "afsluttet"]
CLOSURES = ["Brobygget til varigt fællesskab", "died", "moved", "Blevet frivillig"]


def files(n, builder_email, fmt):
    rng = random.Random(2021)
    today = datetime.date.today()
    citizens = [["ekstern_id", "navn", "initialer", "fødselsår", "køn", "postnummer"]]
    referrals = [
        [
            "ekstern_id",
            "borger",
            "modtaget",
            "kanal",
            "årsager",
            "status",
            "første_kontakt",
            "brobygger",
            "lukket",
            "lukkeårsag",
        ]
    ]
    for i in range(n):
        citizens.append(
            [f"B-{i}", f"Borger {i}", f"B{i}", rng.randint(1925, 2000), rng.choice(["kvinde", "mand"]), "2450"]
        )
        received = today - datetime.timedelta(days=rng.randint(60, 1500))
        status = rng.choice(STATUSES)
        first = received + datetime.timedelta(days=rng.randint(1, 20)) if status != "modtaget" else None
        closed = first + datetime.timedelta(days=rng.randint(1, 25)) if status == "afsluttet" else None
        referrals.append(
            [
                f"H-{i}",
                f"B-{i}",
                received.isoformat(),
                rng.choice(CHANNELS),
                rng.choice(REASONS),
                status,
                first.isoformat() if first else "",
                builder_email if status != "modtaget" else "",
                closed.isoformat() if closed else "",
                rng.choice(CLOSURES) if closed else "",
            ]
        )
    return encode(citizens, fmt), encode(referrals, fmt)


def encode(rows, fmt):
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(rows)
        return out.getvalue().encode("utf-8")
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(database_url, n, fmt):
    from app import create_app
    from database import builtin_migration_sets
    from extensions import db
    from models import Referral, User
    from models.imports import commit_import, preview_import
    from models.onboarding import create_organisation

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "CHECK_SCHEMA": False})
    with app.test_request_context():
        db.connect(reuse_if_open=True)
        for migration_set in builtin_migration_sets():
            migration_set.router(db.obj).run()
        org, admin = create_organisation("Bench", f"bench-{fmt}", admin_email=f"admin@{fmt}.bench.dk", admin_name="A")
        builder = User.create(organisation=org, email=f"bb@{fmt}.bench.dk", name="Bo", role="bridge_builder")
        citizen_file, referral_file = files(n, builder.email, fmt)
        t = time.perf_counter()
        commit_import(admin, "citizens", f"c.{fmt}", citizen_file)
        citizens_s = time.perf_counter() - t
        t = time.perf_counter()
        result = preview_import(admin, "referrals", f"r.{fmt}", referral_file)
        preview_s = time.perf_counter() - t
        assert result.ok, result.problems[:5]
        t = time.perf_counter()
        counts = commit_import(admin, "referrals", f"r.{fmt}", referral_file)
        commit_s = time.perf_counter() - t
        assert counts["create"] == n and Referral.select().where(Referral.organisation == org.id).count() == n
        t = time.perf_counter()
        again = commit_import(admin, "referrals", f"r.{fmt}", referral_file)
        again_s = time.perf_counter() - t
        assert (
            again["create"] == 0
            and again["unchanged"] == n
            and Referral.select().where(Referral.organisation == org.id).count() == n
        )
        db.close()
    return {
        "file MB": round(len(referral_file) / 1e6, 1),
        "citizens commit rows/s": round(n / citizens_s),
        "referrals preview rows/s": round(n / preview_s),
        "referrals commit rows/s": round(n / commit_s),
        "re-import (unchanged) rows/s": round(n / again_s),
        "commit s": round(commit_s, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50000)
    parser.add_argument("--postgres", default="", help="an empty PostgreSQL database URL (its schema is replaced)")
    parser.add_argument("--formats", default="csv,xlsx")
    args = parser.parse_args()
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats.split(","):
            targets.append((f"SQLite {fmt}", f"sqlite:///{tmp}/bench-{fmt}.db", fmt))
        if args.postgres:
            import psycopg2

            conn = psycopg2.connect(args.postgres)
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            conn.close()
            for fmt in args.formats.split(","):
                targets.append((f"PostgreSQL {fmt}", args.postgres, fmt))
        for label, url, fmt in targets:
            figures = run(url, args.rows, fmt)
            print(
                f"{label:<16} {args.rows} referrals: " + ", ".join(f"{k} {v}" for k, v in figures.items()), flush=True
            )


if __name__ == "__main__":
    main()
