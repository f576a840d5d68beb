"""Production entry point: `gunicorn wsgi:app` (gunicorn.conf.py is read from this folder).

Refuses to boot on an unknown schema, and on settings unfit for production (config.production_problems):
a SECRET_KEY under 32 bytes or not from the environment, cookies without Secure (unless
BROBYGGER_INSECURE_DEV=true), and memory:// rate limits with more than one worker — counted
per worker, they would multiply the limits. The worker count comes from gunicorn itself
(gunicorn.conf.py exports it as BROBYGGER_WORKERS) or from WEB_CONCURRENCY.
"""

import sys

from app import create_app
from config import production_problems, worker_count
from database import verify_schema

app = create_app()
_problems = production_problems(app.config, worker_count())
if _problems:
    for problem in _problems:
        print(f"Brobygger refuses to start: {problem}", file=sys.stderr)
    raise SystemExit(3)
with app.app_context():
    verify_schema(app)
    app.extensions["database"].close()
