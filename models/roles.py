"""Roles, and the groups of roles that code checks, named once.

Compare a user's role with these names (`user.role in TEAM_LEADS`), never with a string literal.
"""

from i18n import _l

ADMIN, COORDINATOR, BRIDGE_BUILDER, PARTNER, EVALUATOR = (
    "admin",
    "coordinator",
    "bridge_builder",
    "partner",
    "evaluator",
)
# Runs the installation (driftsansvarlig): organisations and their first admins, never their data.
OPERATOR = "operator"
# Sees the aggregate report of the organisations of a network (models/network.py), suppressed.
NETWORK_EVALUATOR = "network_evaluator"
ROLES = (
    (ADMIN, _l("Administrator")),
    (COORDINATOR, _l("Coordinator")),
    (BRIDGE_BUILDER, _l("Bridge builder")),
    (PARTNER, _l("Partner")),
    (EVALUATOR, _l("Evaluator")),
    (OPERATOR, _l("Operator")),
    (NETWORK_EVALUATOR, _l("Network evaluator")),
)
ROLE_NAMES = tuple(code for code, _label in ROLES)
# The roles an organisation's admin may give (the operator is no organisation's user).
ORGANISATION_ROLES = tuple((code, label) for code, label in ROLES if code != OPERATOR)

# See every case of the organisation, reopen closed cases, get the team's views.
TEAM_LEADS = (ADMIN, COORDINATOR)
# Work on cases: citizens, contacts, matches, notes, intake.
CASE_WORKERS = (ADMIN, COORDINATOR, BRIDGE_BUILDER)
# See the report (Rapporter): suppressed for evaluators.
REPORT_VIEWERS = (ADMIN, COORDINATOR, EVALUATOR)
