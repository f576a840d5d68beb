"""Privacy by design (GDPR): what is personal data and why (processing.py, the record of
processing), a citizen's access report (access_report.py), erasure/anonymisation (erasure.py),
retention (retention.py), minimal records (minimal.py), and their pages and CLI (views.py, cli.py).
"""
