"""Batch loaders for the case page (issue 15): a case with what its header shows, and its rows with
what their labels follow, each in ONE query (joins instead of a lookup per relation). The case
page went from 18-19 queries to the count in tests/test_performance.py; every loader selects by
the case alone (the case itself was fetched through the user's scope)."""

from peewee import JOIN, PostgresqlDatabase, fn

from models.activity import Activity
from models.citizen import Citizen
from models.lookups import ContactKind, ReferralChannel, ReferralReason
from models.referral import Contact, Match, Referral, ReferralReasonLink
from models.user import User

SEPARATOR = "\x1f"  # ASCII unit separator: never in a reason's name


def _reason_names():
    """A correlated sub-select: the names of the case's reasons, joined by SEPARATOR."""
    database = Referral._meta.database
    database = getattr(database, "obj", database)
    if isinstance(database, PostgresqlDatabase):
        names = fn.STRING_AGG(ReferralReason.name, SEPARATOR)
    else:
        names = fn.GROUP_CONCAT(ReferralReason.name, SEPARATOR)
    return (
        ReferralReasonLink.select(names)
        .join(ReferralReason, on=(ReferralReasonLink.reason == ReferralReason.id))
        .where(ReferralReasonLink.referral == Referral.id)
    )


def reason_names(referral):
    """The case's reasons' names in alphabetical order (from with_case_labels, or one query)."""
    joined = getattr(referral, "case_reason_names", None)
    if joined is None and "case_reason_names" not in referral.__dict__:
        joined = Referral.select(_reason_names().alias("names")).where(Referral.id == referral.id).scalar()
    return sorted((joined or "").split(SEPARATOR)) if joined else []


def with_case_labels(query):
    """`query` on Referral, with the citizen, channel, bridge builder and reasons' names in (one query)."""
    return (
        query.select_extend(Citizen, ReferralChannel, User, _reason_names().alias("case_reason_names"))
        .join(Citizen, on=(Referral.citizen == Citizen.id))
        .switch(Referral)
        .join(ReferralChannel, JOIN.LEFT_OUTER, on=(Referral.channel == ReferralChannel.id))
        .switch(Referral)
        .join(User, JOIN.LEFT_OUTER, on=(Referral.assigned_to == User.id))
        .switch(Referral)
    )


def case_contacts(referral_id, limit=200):
    """The case's contacts, newest first, with their kinds."""
    return list(
        Contact.select(Contact, ContactKind)
        .join(ContactKind, JOIN.LEFT_OUTER, on=(Contact.kind == ContactKind.id))
        .where(Contact.referral == referral_id)
        .order_by(Contact.date.desc())
        .limit(limit)
    )


def case_matches(referral_id):
    """The case's matches with their activities and what each practice community leads to."""
    leads_to = Activity.alias()
    return list(
        Match.select(Match, Activity, leads_to)
        .join(Activity, on=(Match.activity == Activity.id))
        .join(leads_to, JOIN.LEFT_OUTER, on=(Activity.leads_to == leads_to.id))
        .where(Match.referral == referral_id)
        .order_by(Match.created_at)
    )
