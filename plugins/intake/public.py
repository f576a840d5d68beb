"""The public referral form: no login, one stable address per organisation and audience."""

from types import SimpleNamespace

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from plugins.api import Compiled, Organisation, ReferralChannel, ReferralReason, RuleError, _, catalogue, limiter
from plugins.intake import service
from plugins.intake.forms import (
    PublicReferralForm,
    SelfReferralForm,
    build_form_class,
    form_answers,
    question_field_name,
)
from plugins.intake.models import AUDIENCE_SLUGS, PUBLIC_GP, IntakeForm, IntakeSubmission

bp = Blueprint("intake_public", __name__, url_prefix="/henvis", template_folder="templates")

# The channel a public form preselects, by audience (by code: an organisation may rename it).
DEFAULT_CHANNEL = {"public_gp": catalogue.GP, "public_self": catalogue.SELF_REFERRAL}


@bp.before_request
def _limit_body():
    # The per-request limit also holds for a chunked body (no Content-Length): reading more
    # than this answers 413, whatever the headers said.
    request.max_content_length = current_app.config["INTAKE_MAX_BODY"]
    if request.method == "POST" and (request.content_length or 0) > current_app.config["INTAKE_MAX_BODY"]:
        abort(413)


def _organisation(slug):
    org = Organisation.get_or_none(Organisation.slug == slug)
    if org is None or not org.is_active:  # a deactivated organisation takes no referrals
        abort(404)
    return org


@bp.route("/<slug>/")
def choose(slug):
    org = _organisation(slug)
    forms = {audience: IntakeForm.current(org.id, audience) for audience in AUDIENCE_SLUGS.values()}
    return render_template("intake/choose.html", org=org, forms=forms, audience_slugs=AUDIENCE_SLUGS)


def _bad_request(org, message):
    return render_template("intake/problem.html", org=org, message=message), 400


# The reads of every public form request, their SQL built once (compiled.py; issue 15).
_FORM_WITH_ORGANISATION = Compiled(
    lambda slug, audience: (
        IntakeForm.select(IntakeForm, Organisation)
        .join(Organisation, on=(IntakeForm.organisation == Organisation.id))
        .where((Organisation.slug == slug) & (IntakeForm.audience == audience) & (IntakeForm.active == True))  # noqa: E712
        .order_by(IntakeForm.id.desc())  # the newest, as IntakeForm.current
        .limit(1)
    )
)
_QUESTIONS = Compiled(IntakeForm.active_questions_query)
_CHOICES = {
    model: Compiled(
        lambda organisation_id, model=model: model.choices_for_organisation(organisation_id).select(
            model.id, model.name, model.code
        ),
        raw=True,  # id, name, code: as the driver gives them
    )
    for model in (ReferralChannel, ReferralReason)
}
_RECEIPT = Compiled(
    lambda reference, slug: (
        IntakeSubmission.select(IntakeSubmission, Organisation)
        .join(Organisation, on=(IntakeSubmission.organisation == Organisation.id))
        .where((IntakeSubmission.reference == reference) & (Organisation.slug == slug))
        .limit(1)
    )
)


def _organisation_and_form(slug, audience):
    """The organisation and its current form for `audience` in one query (issue 15: the public
    form's throughput); the organisation alone when it has no such form. 404 as _organisation."""
    found = _FORM_WITH_ORGANISATION(slug, audience)
    if not found:
        return _organisation(slug), None
    intake_form = found[0]
    if not intake_form.organisation.is_active:
        abort(404)
    return intake_form.organisation, intake_form


def _questions(org, intake_form):
    """intake_form.active_questions(), the SQL built once."""
    if intake_form is None:
        return []
    return _QUESTIONS(intake_form.id, shape=(bool(org.minimal_records),))


def _choices(model, organisation_id):
    """(id, name, code) of an organisation's active list entries in display order, as plain tuples."""
    return _CHOICES[model](organisation_id)


# The fields of a blank form (a GET) as HTML, by everything they are rendered from: a GET's form
# holds no answers, so the same form class (audience and questions), lists, preset channel and
# language give the same HTML; only the CSRF and one-time tokens, outside the fields, differ per
# request. Building and rendering the form was a third of a submission's CPU (issue 15). A POST
# with errors renders its own form.
_BLANK_FIELDS = {}  # key → Markup; bounded below


def _fields_html(form, audience, questions):
    return Markup(  # noqa: S704  # nosec B704 - an autoescaped template's output
        render_template(
            "intake/_public_form_fields.html",
            form=form,
            is_gp=audience == PUBLIC_GP,
            question_fields=[form[question_field_name(q)] for q in questions],
        )
    )


def _page(org, intake_form, audience, fields, form=None, token=None):
    return render_template(
        "intake/public_form.html",
        org=org,
        form=form,  # None for a blank form: its tokens come as csrf_token() and `token`
        token=token,
        intake_form=intake_form,
        audience=audience,
        is_gp=audience == PUBLIC_GP,
        fields=fields,
    )


def _new_form(form_class, channel_choices, reason_choices):
    form = form_class()
    form.channel.choices = channel_choices
    form.reasons.choices = reason_choices
    return form


def _blank_form(org, intake_form, audience, form_class, questions, channels, channel_choices, reason_choices):
    preferred = next((cid for cid, _name, code in channels if code == DEFAULT_CHANNEL[audience]), None)
    key = (form_class, str(get_locale()), tuple(channel_choices), tuple(reason_choices), preferred)
    fields = _BLANK_FIELDS.get(key)
    if fields is None:
        form = _new_form(form_class, channel_choices, reason_choices)
        if preferred:
            form.channel.data = preferred
        fields = _fields_html(form, audience, questions)
        if len(_BLANK_FIELDS) > 256:
            _BLANK_FIELDS.clear()
        _BLANK_FIELDS[key] = fields
    return _page(org, intake_form, audience, fields, token=service.issue_token())


@bp.route("/<slug>/<audience_slug>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["INTAKE_RATE_LIMIT"], methods=["POST"])
def referral_form(slug, audience_slug):
    audience = AUDIENCE_SLUGS.get(audience_slug)
    if audience is None:
        _organisation(slug)  # an unknown organisation is a 404 too
        abort(404)
    org, intake_form = _organisation_and_form(slug, audience)
    questions = _questions(org, intake_form)
    # A citizen referring themselves is spoken to as "you"; a GP about "the citizen".
    form_class = build_form_class(PublicReferralForm if audience == PUBLIC_GP else SelfReferralForm, questions)
    channels = _choices(ReferralChannel, org.id)
    channel_choices = [(cid, name) for cid, name, _code in channels]
    reason_choices = [(rid, name) for rid, name, _code in _choices(ReferralReason, org.id)]
    if request.method == "GET":
        return _blank_form(org, intake_form, audience, form_class, questions, channels, channel_choices, reason_choices)
    form = _new_form(form_class, channel_choices, reason_choices)
    if form.website.data:
        # A filled honeypot: a robot. It gets what a person gets – a receipt with a reference
        # number – so it learns nothing to adapt to; nothing is stored.
        fake = SimpleNamespace(reference=service.new_reference())
        return render_template("intake/receipt.html", org=org, submission=fake)
    if service.ceiling_reached(org.id):
        return render_template(
            "intake/problem.html",
            org=org,
            message=_(
                "The form takes no more referrals right now. Try again in an hour, or call %(org)s.",
                org=org.name,
            ),
        ), 429
    try:
        nonce = service.read_token(form.token.data)
    except service.TokenError:
        return _bad_request(
            org,
            _("The form has expired or was not sent from this page. Reload the page, fill it in again and send it."),
        )
    done = service.submission_for_token(nonce)
    if done is not None:  # sent twice (a double click, a reload): one referral, same receipt
        return redirect(url_for(".receipt", slug=slug, reference=done.reference), code=303)
    if form.validate():
        try:
            submission = service.register_intake(
                org,
                form.data,
                form_answers(form, questions),
                source="public_form",
                intake_form=intake_form,
                token_nonce=nonce,
                # Read from the organisation's lists for this very request: not read again.
                allowed_channels={cid for cid, _name in channel_choices},
                allowed_reasons={rid for rid, _name in reason_choices},
            )
        except RuleError as exc:
            return _bad_request(org, str(exc.message))
        return redirect(url_for(".receipt", slug=slug, reference=submission.reference), code=303)
    return _page(org, intake_form, audience, _fields_html(form, audience, questions), form=form)


@bp.route("/<slug>/kvittering/<reference>")
def receipt(slug, reference):
    found = _RECEIPT(reference, slug)  # with its organisation, in one query
    submission = found[0] if found else None
    if submission is None or not submission.organisation.is_active:
        abort(404)
    return render_template("intake/receipt.html", org=submission.organisation, submission=submission)
