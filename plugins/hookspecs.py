"""The hook catalogue: what the core asks plugins.

A plugin is a module (or object) with functions marked `@hookimpl` (from `plugins`) whose names
are hooks below. It is loaded when its import name is listed in BROBYGGER_PLUGINS (built-in
plugins by their folder name, e.g. "intake") or when a pip-installed package declares it in the
entry-point group `brobygger.plugins`. BROBYGGER_SAFE_MODE=true loads none.

Unless a hook says "first answer wins" (pluggy's firstresult), every implementation is called and
the core receives the list of their non-None results. A plugin owns its tables (table names
prefixed with the plugin's name) and migrations, and never edits core code.
"""

import pluggy

hookspec = pluggy.HookspecMarker("brobygger")


# -- what a plugin brings ------------------------------------------------------------------
@hookspec
def brobygger_migrations():
    """Name the plugin's migrations.

    :return: a list of ``(name, directory)`` pairs; each directory holds peewee-migrate scripts
        and gets its own history table ``migrate_history_<name>``. ``flask db upgrade`` runs
        them after the core's, and the app refuses to run until they are applied.
    """


@hookspec
def brobygger_admin_views(admin):
    """Add Flask-Admin views (forms, lists, pages) for the plugin.

    :param admin: the ``flask_admin.Admin``; call ``admin.add_view(...)``. Views should derive
        from ``admin.base.BrobyggerModelView`` (or check roles themselves) so scoping, CSRF and
        auditing apply.
    :return: nothing.
    """


@hookspec
def brobygger_blueprints(app):
    """Give Flask blueprints to register (e.g. public pages with no login).

    :param app: the Flask app being built.
    :return: a list of ``flask.Blueprint``.
    """


# -- what the core tells plugins -----------------------------------------------------------
@hookspec
def brobygger_referral_created(referral, source):
    """A referral was created. Called inside the creating transaction, after the referral row
    (and its citizen) exist.

    :param referral: the new ``models.Referral``.
    :param source: how it came in: ``"admin"``, ``"staff_intake"`` or ``"public_form"``.
    :return: nothing. Raising aborts the creation: nothing is stored.
    """


@hookspec
def brobygger_seed_demo(organisation):
    """``flask seed-demo`` created the demo organisation: add the plugin's demo data to it.

    :param organisation: the new demo ``models.Organisation``.
    :return: nothing.
    """


@hookspec
def brobygger_case_closed(referral, closure, form, user):
    """A case was closed. Called inside the closing transaction: raising undoes the whole closing.

    :param referral: the closed ``models.Referral``.
    :param closure: the new ``models.CaseClosure``.
    :param form: the submitted closing form's data.
    :param user: who closed it.
    :return: nothing.
    """


# -- what the core asks plugins ------------------------------------------------------------
@hookspec
def brobygger_case_panels(referral, user):
    """Panels to show on a case's page, below its contacts and matches.

    :param referral: the ``models.Referral`` being shown (already checked visible to ``user``).
    :param user: the logged-in user.
    :return: a dict ``{"title": str, "template": "plugin/template.html", "context": {...}}``
        or None to show nothing. The template is included with the context; it is autoescaped.
        ``"position": "top"`` puts the panel under the case's header (e.g. the intake answers).
    """


@hookspec(firstresult=True)
def brobygger_case_may_close(referral, closure):
    """May this case close now? First answer wins: the first plugin that objects decides.

    :param referral: the ``models.Referral`` to close.
    :param closure: a dict: ``reason`` (ClosureReason), ``closed_on`` (date), ``note``, ``user``
        and ``form`` (the submitted closing form's data, with the plugin's own fields).
    :return: None if the plugin has no objection, or a message (str) saying why the case may not
        close yet.
    """


@hookspec
def brobygger_close_form_sections(referral, user, form):
    """Sections a plugin adds to the closing form (its own fields, read back from ``form``).

    :param referral: the case being closed.
    :param user: the logged-in user.
    :param form: the submitted data when the form is shown again after an error, else empty.
    :return: a dict ``{"title", "template", "context"}`` like brobygger_case_panels, or None.
    """


@hookspec
def brobygger_cases_due(user, today):
    """What a plugin says needs action on cases, for the work queue and the reminder e-mails.

    :param user: the user whose queue is shown (only cases visible to them may be named).
    :param today: the date "due" is judged against.
    :return: a dict ``{referral_id: [(code, label), ...]}`` (e.g. a follow-up due), or None.
        Labels name what is due, never the content of a note.
    """


@hookspec
def brobygger_case_timeline(referral, user):
    """Entries a plugin adds to the case page's one timeline (contacts, matches, notes...).

    :param referral: the case being shown (already checked visible to ``user``).
    :param user: the logged-in user.
    :return: a list of dicts ``{"on": date, "kind": str, "title": str, "detail": str}``, or None.
    """
