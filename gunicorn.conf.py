"""gunicorn settings for Brobygger (read from the working directory: `gunicorn wsgi:app`).

Behind nginx (which buffers slow clients, see README) sync workers are enough; without a
buffering proxy use threads (`--threads 4`), or two idle connections stall two workers for
`timeout` seconds. Every setting here can be overridden on the command line.
"""

import os
import sys

from config import Config, from_environment, production_problems

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
timeout = 30
# The access log without query strings (%(U)s is the path alone): search terms and ids in
# query strings are personal data. No referrer either, for the same reason.
accesslog = os.environ.get("ACCESS_LOG", "-")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'


def on_starting(server):
    """In the master, before any worker starts: refuse memory:// limits with several workers,
    and tell wsgi.py (in each worker) the real worker count."""
    os.environ["BROBYGGER_WORKERS"] = str(server.cfg.workers)
    settings = {**{k: getattr(Config, k) for k in dir(Config) if k.isupper()}, **from_environment()}
    problems = [p for p in production_problems(settings, server.cfg.workers) if "RATELIMIT" in p]
    for problem in problems:
        print(f"Brobygger refuses to start: {problem}", file=sys.stderr)
    if problems:
        sys.exit(3)
