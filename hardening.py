"""Request-wide safeguards of the security work (issue 9), each in a module of its own:
the input filter (inputs.py), "busy, try again" for database contention (resilience.py) and the
audit of refusals, failed logins, lists and searches (audit_trail.py)."""

from audit_trail import init_audit_trail
from inputs import init_inputs
from resilience import init_resilience


def init_hardening(app):
    init_inputs(app)
    init_resilience(app)
    init_audit_trail(app)
