"""The hook catalogue: what the core asks plugins.

A plugin is a module (or object) with functions marked `@hookimpl` (from `plugins.api`, the one
core module a plugin imports) whose names are hooks below; a misspelt hook name stops the app at
start (pluggy's check_pending). It is loaded when its import name is listed in BROBYGGER_PLUGINS (built-in
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
def brobygger_config_defaults():
    """Name the plugin's settings and their defaults.

    :return: a dict ``{"SETTING": default}``. Each setting is taken from the app's config if set
        there, else from the environment variable of the same name (converted to the default's
        type: int, bool or str), else the default. Read them from ``current_app.config``.
    """


@hookspec
def brobygger_admin_views(admin):
    """Add Flask-Admin views (forms, lists, pages) for the plugin.

    :param admin: the ``flask_admin.Admin``; call ``admin.add_view(...)``. Views should derive
        from ``plugins.api.BrobyggerModelView``, ``CaseRowView`` or ``RoleView`` so scoping, CSRF
        and auditing apply. Every endpoint starts with the plugin's name and an underscore
        (``intake_forms``, ``collaboration_notes``; a blueprint may also be named just the plugin's
        name); tests/test_plugin_api.py checks it. Give ``url=`` to keep a short URL.
    :return: nothing.
    """


@hookspec
def brobygger_blueprints(app):
    """Give Flask blueprints to register (e.g. public pages with no login).

    :param app: the Flask app being built.
    :return: a list of ``flask.Blueprint``.
    """


@hookspec
def brobygger_cli_commands():
    """Give ``flask`` commands (e.g. a job for cron): ``flask --app app <name> ...``.

    :return: a list of ``click.Command`` (or ``click.Group``) objects.
    """


# -- what the core tells plugins -----------------------------------------------------------
@hookspec
def brobygger_referral_created(referral, source):
    """A referral was created. Called inside the creating transaction, after the referral row
    (and its citizen) exist.

    :param referral: the new ``models.Referral``.
    :param source: how it came in: ``"admin"``, ``"staff_intake"``, ``"public_form"`` or ``"import"``.
    :return: nothing. Raising aborts the creation: nothing is stored.
    """


@hookspec
def brobygger_organisation_created(organisation):
    """A new organisation was created (``flask create-organisation``, the operator's page or
    seed-demo): copy the plugin's default lists from ``models/catalogue.py`` into it. Called inside
    the creating transaction; raising undoes the whole creation.

    :param organisation: the new ``models.Organisation``; its core lists already exist.
    :return: nothing.
    """


@hookspec
def brobygger_after_referral_created(referral, source):
    """A referral was created and committed. The place for side effects — an e-mail or SMS to
    the team — that must not happen for a referral that was rolled back.

    :param referral: the new ``models.Referral``.
    :param source: as for brobygger_referral_created.
    :return: nothing. Raising is logged; the referral stays.
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
    :param closure: the new, saved ``models.CaseClosure``.
    :param form: the closing form's plugin fields as plain values, a ``dict`` (see
        brobygger_close_form_fields); ``{}`` when the case was closed without the form.
    :param user: who closed it.
    :return: nothing.
    """


@hookspec
def brobygger_after_case_closed(referral, closure, user):
    """A case was closed and the closing committed (never called for a closing that was undone).
    The place for side effects such as telling someone.

    :param referral: the closed ``models.Referral``.
    :param closure: the saved ``models.CaseClosure``.
    :param user: who closed it.
    :return: nothing. Raising is logged; the closing stays.
    """


# -- what the core asks plugins ------------------------------------------------------------
@hookspec
def brobygger_case_queries(referral, user):
    """The rows a plugin's case panel and timeline entries need, as SELECT queries (not rows).

    The case page runs every plugin's queries together with its own in ONE statement (it is held
    to 10 queries however many rows a case has) and hands the rows to brobygger_case_panels and
    brobygger_case_timeline as ``rows``. Join what the panel shows (a note's service, a
    feedback's author) into the query instead of reading it row by row in the template.

    :param referral: the ``models.Referral`` being shown (already checked visible to ``user``).
    :param user: the logged-in user.
    :return: a dict ``{name: peewee SELECT query}`` (prefix the names with the plugin's), or None.
    """


@hookspec
def brobygger_case_panels(referral, user, rows):
    """Panels to show on a case's page, below its contacts and matches.

    :param referral: the ``models.Referral`` being shown (already checked visible to ``user``),
        with its citizen, channel and bridge builder loaded.
    :param user: the logged-in user.
    :param rows: ``{name: [rows]}`` — what every plugin's brobygger_case_queries selected.
        Build the panel from these; a query of its own here costs the page a round trip.
    :return: a dict ``{"title": str, "template": "plugin/template.html", "context": {...}}``
        or None to show nothing. The template is included with the context; it is autoescaped.
        ``"position": "top"`` puts the panel under the case's header (e.g. the intake answers).
    """


@hookspec(firstresult=True)
def brobygger_case_may_close(referral, closure, form, user):
    """May this case close now? First answer wins: the first plugin that objects decides.

    :param referral: the ``models.Referral`` to close.
    :param closure: the ``models.CaseClosure`` about to be saved (``reason``, ``closed_on``,
        ``note``, ``by``; no id yet) — the same model brobygger_case_closed gets, saved.
    :param form: the closing form's plugin fields as plain values, a ``dict`` (see
        brobygger_close_form_fields) — never the request's form.
    :param user: who closes it.
    :return: None if the plugin has no objection, or a message (str) saying why the case may not
        close yet.
    """


@hookspec
def brobygger_close_form_fields():
    """Name the fields the plugin adds to the closing form (in brobygger_close_form_sections).

    The closing view reads these fields, and only these, from the submitted form and hands them
    as one plain ``dict`` — the ``form`` of brobygger_close_form_sections,
    brobygger_case_may_close and brobygger_case_closed (and of ``close_case``). Use names of the
    plugin's own (all plugins' fields share the dict).

    :return: a dict ``{"field name": list or str}``: ``list`` for a field sent several times
        (checkboxes) — its values as a list of str, ``[]`` when none; ``str`` for one value —
        ``""`` when absent. Parse and check the values in the plugin (ids arrive as str).
    """


@hookspec
def brobygger_close_form_sections(referral, user, form):
    """Sections a plugin adds to the closing form (its own fields, read back from ``form``).

    :param referral: the case being closed.
    :param user: the logged-in user.
    :param form: the plugin fields as plain values (see brobygger_close_form_fields): what was
        submitted when the form is shown again after an error, else the fields' empty values.
    :return: a dict ``{"title", "template", "context"}`` like brobygger_case_panels, or None.
    """


@hookspec
def brobygger_notices(user):
    """Notices for the start page of ``user`` (e.g. "the public form reached its hourly limit").

    :param user: the logged-in user.
    :return: a list of (category, message) pairs – category as for flash(): "warning", "info" –
        or None. Messages are plain text (autoescaped).
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
def brobygger_case_timeline(referral, user, rows):
    """Entries a plugin adds to the case page's one timeline (contacts, matches, notes...).

    :param referral: the case being shown (already checked visible to ``user``).
    :param user: the logged-in user.
    :param rows: ``{name: [rows]}`` from brobygger_case_queries, as for brobygger_case_panels.
    :return: a list of dicts ``{"on": date, "kind": str, "title": str, "detail": str}``, or None.
    """
