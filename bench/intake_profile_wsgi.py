"""gunicorn's app for `intake_throughput.py --profile-server`: the production app (wsgi.py) under
cProfile (CPU time), the first BENCH_PROFILE_SKIP requests left out (warm-up), the statistics
written to BENCH_PROFILE after every request (the worker is stopped, not asked to finish)."""

import cProfile
import itertools
import os
import time

from wsgi import app as production_app

_profile = cProfile.Profile(time.process_time)
_requests = itertools.count(1)
_SKIP = int(os.environ.get("BENCH_PROFILE_SKIP", "0"))


def app(environ, start_response):
    if next(_requests) <= _SKIP:
        return production_app(environ, start_response)
    _profile.enable()
    try:
        body = list(production_app(environ, start_response))
    finally:
        _profile.disable()
    _profile.dump_stats(os.environ["BENCH_PROFILE"])
    return body
