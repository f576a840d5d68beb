"""The hook catalogue: what the core asks plugins. Each hook is prefixed `brobygger_`.

Plugins implement these with `@hookimpl` from `plugins`. Unless a docstring says "first answer
wins" (firstresult), every implementation is called and the results are collected in a list.
"""

import pluggy

hookspec = pluggy.HookspecMarker("brobygger")


@hookspec
def brobygger_models():
    """Return the peewee models this plugin owns (table names prefixed with the plugin's name).

    :return: a list of model classes; they are created by the plugin's own migrations.
    """


@hookspec
def brobygger_admin_views(admin):
    """Add Flask-Admin views for the plugin.

    :param admin: the `flask_admin.Admin` instance; call `admin.add_view(...)`.
    :return: nothing.
    """


@hookspec
def brobygger_blueprints(app):
    """Return Flask blueprints to register (public pages, forms).

    :param app: the Flask app being built.
    :return: a list of `flask.Blueprint`.
    """


@hookspec
def brobygger_referral_created(referral):
    """A referral was created (by staff, the admin or a public form), inside its transaction.

    :param referral: the new `models.Referral`.
    :return: nothing; raising aborts the creation.
    """
