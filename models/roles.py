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
ROLES = (
    (ADMIN, _l("Administrator")),
    (COORDINATOR, _l("Coordinator")),
    (BRIDGE_BUILDER, _l("Bridge builder")),
    (PARTNER, _l("Partner")),
    (EVALUATOR, _l("Evaluator")),
)
ROLE_NAMES = tuple(code for code, _label in ROLES)

# See every case of the organisation, reopen closed cases, get the team's views.
TEAM_LEADS = (ADMIN, COORDINATOR)
# Work on cases: citizens, contacts, matches, notes, intake.
CASE_WORKERS = (ADMIN, COORDINATOR, BRIDGE_BUILDER)
