"""The intake plugin's admin pages: the form builder, staff intake and the answers list."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_admin.model.form import InlineFormAdmin
from flask_login import current_user
from wtforms import HiddenField
from wtforms.validators import ValidationError

from plugins.api import (
    ADMIN,
    BRIDGE_BUILDER,
    CASE_WORKERS,
    COORDINATOR,
    BrobyggerModelView,
    Citizen,
    Referral,
    ReferralChannel,
    ReferralReason,
    RoleView,
    RuleError,
    _,
    _l,
    to_int,
    visible_or_404,
)
from plugins.intake import service
from plugins.intake.forms import (
    PublicReferralForm,
    StaffIntakeForm,
    build_form_class,
    form_answers,
    question_field_name,
)
from plugins.intake.models import (
    AUDIENCES,
    CHOICE_KINDS,
    KINDS,
    STAFF,
    TEXT_KINDS,
    IntakeAnswer,
    IntakeForm,
    IntakeQuestion,
)


class QuestionInline(InlineFormAdmin):
    form_columns = ("position", "label", "help_text", "kind", "required", "choices", "active")
    # Flask-Admin finds an inline row's record by this field (peewee 4's AutoField would be required).
    form_extra_fields = {"id": HiddenField()}
    form_label = _l("Questions")

    def on_model_change(self, form, model, is_created):
        if current_user.organisation.minimal_records and model.kind in TEXT_KINDS and model.active:
            raise ValidationError(
                _l("Your organisation keeps minimal records: “%(label)s” cannot ask for free text.", label=model.label)
            )
        choices = [line for line in (model.choices or "").splitlines() if line.strip()]
        if model.kind in CHOICE_KINDS and len(choices) < 2:
            raise ValidationError(
                _l("The question “%(label)s” needs at least two choices, one per line.", label=model.label)
            )
        if model.kind not in CHOICE_KINDS:
            model.choices = None


class IntakeFormAdmin(BrobyggerModelView):
    """The low-code form builder: forms and their ordered questions."""

    access = {ADMIN: "rcedx", COORDINATOR: "r"}
    column_list = ("title", "audience", "active", "updated_at")
    column_default_sort = ("title", False)
    column_filters = (FilterEqual(IntakeForm.audience, _l("Audience"), options=AUDIENCES),)
    form_columns = ("title", "audience", "intro", "active")
    inline_models = (QuestionInline(IntakeQuestion),)
    details_template = "intake/admin_form_details.html"
    column_details_list = ("title", "audience", "intro", "active", "updated_at")

    def _scope_form(self, form):
        form = super()._scope_form(form)
        if current_user.organisation.minimal_records and "questions" in form:
            # Free-text kinds are not offered; existing ones stay listed (inactive) so they can be seen.
            for entry in form.questions:
                entry.form.kind.choices = [(k, label) for k, label in KINDS if k not in TEXT_KINDS] + [
                    (k, label) for k, label in KINDS if k in TEXT_KINDS and entry.form.kind.data == k
                ]
        return form

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["questions"] = list(
                IntakeQuestion.select()
                .where(IntakeQuestion.form == kwargs["model"].id)
                .order_by(IntakeQuestion.position, IntakeQuestion.id)
            )
        return super().render(template, **kwargs)

    @expose("/preview/")
    def preview_view(self):
        """The form as its audience will see it; nothing can be sent from here."""
        intake_form = self.get_one(request.args.get("id"))
        if intake_form is None:
            abort(404)
        base = StaffIntakeForm if intake_form.audience == STAFF else PublicReferralForm
        questions = intake_form.active_questions()
        form = build_form_class(base, questions)(meta={"csrf": False})
        form.channel.choices = ReferralChannel.select_options(current_user.organisation_id)
        form.reasons.choices = ReferralReason.select_options(current_user.organisation_id)
        return self.render(
            "intake/admin_preview.html",
            intake_form=intake_form,
            form=form,
            question_fields=[form[question_field_name(q)] for q in questions],
        )


class IntakeAnswerAdmin(BrobyggerModelView):
    """Every answer, with the question as it was asked; exportable."""

    access = {ADMIN: "rx", COORDINATOR: "rx", BRIDGE_BUILDER: "r"}
    audit_reads = True
    simple_list_pager = True
    column_list = ("referral", "question_label", "value", "created_at")
    column_labels = {"value": _l("Answer")}
    column_default_sort = ("created_at", True)
    column_formatters = {"value": lambda v, c, m, n: m.display}
    column_formatters_export = {"value": lambda v, c, m, n: m.display}
    column_formatters_detail = {"value": lambda v, c, m, n: m.display}
    column_filters = (FilterEqual(IntakeAnswer.question_label, _l("Question")),)


class StaffIntakeView(RoleView):
    """Register a referral taken by phone or in person, with a duplicate check."""

    roles = CASE_WORKERS

    def _form(self, intake_form):
        questions = intake_form.active_questions() if intake_form else []
        form = build_form_class(StaffIntakeForm, questions)()
        form.channel.choices = ReferralChannel.select_options(current_user.organisation_id)
        form.reasons.choices = ReferralReason.select_options(current_user.organisation_id)
        return form, questions

    @expose("/", methods=("GET", "POST"))
    def index(self):
        org = current_user.organisation
        intake_form = IntakeForm.current(org.id, STAFF)
        form, questions = self._form(intake_form)
        candidates = []
        if request.method == "GET":
            form.token.data = service.issue_token()
        elif form.validate():
            if form.anonymous.data and not org.allow_anonymous:
                form.anonymous.errors = [_("Your organisation does not register anonymous citizens.")]
            else:
                response, candidates = self._submit(form, questions, intake_form)
                if response is not None:
                    return response
        return self.render(
            "intake/staff_intake.html",
            form=form,
            intake_form=intake_form,
            candidates=candidates,
            question_fields=[form[question_field_name(q)] for q in questions],
        )

    def _submit(self, form, questions, intake_form):
        """Register the intake, or return the look-alike citizens to choose between first."""
        try:
            nonce = service.read_token(form.token.data)
        except service.TokenError:
            flash(_("The form has expired. Check the fields and save again."), "error")
            form.token.data = service.issue_token()
            return None, []
        done = service.submission_for_token(nonce)
        if done is not None:
            return redirect(url_for("referral.details_view", id=done.referral_id)), []
        visible = Citizen.visible_to(current_user)
        candidates = [
            c
            for c in service.find_similar_citizens(
                current_user.organisation_id,
                form.name.data,
                form.initials.data,
                form.birth_year.data,
                form.postal_code.data,
                phone=form.phone.data,
            )
            if visible.where(Citizen.id == c.id).exists()
        ]
        choice = form.citizen_choice.data
        if candidates and not choice:
            flash(_("This looks like a citizen you already know. Choose one, or register a new citizen."), "warning")
            return None, candidates
        existing = None
        if choice and choice != "new":
            existing = visible.where(Citizen.id == to_int(choice)).first()
            if existing is None:
                abort(404)
        try:
            submission = service.register_intake(
                current_user.organisation,
                form.data,
                form_answers(form, questions),
                source="staff_intake",
                intake_form=intake_form,
                token_nonce=nonce,
                existing_citizen=existing,
                assigned_to=current_user.id if current_user.role == BRIDGE_BUILDER else None,
                user=current_user,
            )
        except RuleError as exc:
            flash(str(exc.message), "error")
            form.token.data = service.issue_token()
            return None, []
        flash(_("The referral is registered (reference %(reference)s).", reference=submission.reference), "success")
        return redirect(url_for("referral.details_view", id=submission.referral_id)), []

    @expose("/link/", methods=("POST",))
    def link(self):
        """Move a referral to an existing citizen it duplicates (from the case page)."""
        referral = visible_or_404(Referral, request.form.get("referral"))
        citizen = visible_or_404(Citizen, request.form.get("citizen"))
        service.link_to_citizen(referral, citizen, current_user)
        flash(_("The referral now belongs to %(citizen)s.", citizen=str(citizen)), "success")
        return redirect(url_for("referral.details_view", id=referral.id))


def case_queries(referral, user):
    """The case page's intake panel as queries (run with the page's others in one statement):
    the answers, and the citizens the user may see who look like the case's citizen."""
    queries = {
        "intake_answers": IntakeAnswer.select()
        .where((IntakeAnswer.referral == referral.id) & (IntakeAnswer.organisation == user.organisation_id))
        .order_by(IntakeAnswer.position, IntakeAnswer.id)
    }
    # The visibility rule applied to each candidate (not an IN list of every visible citizen:
    # SQLite built that list of the whole organisation, 0.3 s at 450 000 citizens).
    among = Citizen.visible_to(user).select(*_CITIZEN_COLUMNS)
    for i, (query, _alike) in enumerate(_look_alike_queries(referral, among)):
        queries[f"intake_alike_{i}"] = query.where(Citizen.id != referral.citizen_id)
    return queries


# What the look-alike rule and the "link to" button read of a citizen.
_CITIZEN_COLUMNS = (
    Citizen.id,
    Citizen.organisation,
    Citizen.name,
    Citizen.initials,
    Citizen.anonymous,
    Citizen.birth_year,
    Citizen.postal_code,
    Citizen.phone,
)


def _look_alike_queries(referral, among=None):
    citizen = referral.citizen
    return Citizen.look_alike_queries(
        referral.organisation_id,
        citizen.name,
        citizen.initials,
        citizen.birth_year,
        citizen.postal_code,
        phone=citizen.phone,
        among=among,
    )


def case_panel(referral, user, rows):
    """Answers on the case page, and look-alike citizens to link the referral to (case_queries)."""
    answers = rows.get("intake_answers", [])
    if user.organisation.minimal_records:  # free text written before the switch is not shown
        answers = [a for a in answers if a.kind not in TEXT_KINDS]
    similar = Citizen.pick_look_alikes(
        [(rows.get(f"intake_alike_{i}", []), alike) for i, (_q, alike) in enumerate(_look_alike_queries(referral))]
    )
    if not answers and not similar:
        return None
    return {
        "title": _("Intake"),
        "position": "top",  # the intake answers are what the conversation starts from
        "template": "intake/case_panel.html",
        "context": {"answers": answers, "similar": similar, "referral": referral},
    }
