"""Spreadsheet rows for the import tests: the two headers, generated citizens and a CSV file
(shared by tests/test_imports.py and tests/test_status_intervals.py). Helpers, no tests."""

import csv
import io

CITIZEN_HEADER = ["ekstern_id", "navn", "initialer", "fødselsår", "køn", "postnummer", "bor_alene"]
REFERRAL_HEADER = [
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


def to_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def citizens(n, start=1):
    return [
        [f"B-{i}", f"Borger Nummer{i}", f"BN{i}", 1940 + i % 40, "kvinde", "2450", "ja"]
        for i in range(start, start + n)
    ]
