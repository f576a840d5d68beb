"""The plugin manager (pluggy). See hookspecs.py for the hook catalogue.

Plugins are listed by import name in BROBYGGER_PLUGINS (a built-in plugin by its folder name,
e.g. "intake" → plugins.intake) or installed with an entry point in the group
`brobygger.plugins`. BROBYGGER_SAFE_MODE loads none, whatever is listed or installed.
"""

import importlib
import os

import pluggy
from flask import current_app

from plugins import hookspecs

hookimpl = pluggy.HookimplMarker("brobygger")
ENTRY_POINT_GROUP = "brobygger.plugins"


def make_plugin_manager():
    pm = pluggy.PluginManager("brobygger")
    pm.add_hookspecs(hookspecs)
    return pm


def load_plugins(app):
    """Create the app's plugin manager and register the configured plugins (no hooks called)."""
    pm = make_plugin_manager()
    app.extensions["plugin_manager"] = pm
    if app.config["BROBYGGER_SAFE_MODE"]:
        app.logger.warning("Safe mode: no plugins loaded.")
        return pm
    for name in filter(None, (n.strip() for n in app.config["BROBYGGER_PLUGINS"].split(","))):
        module = importlib.import_module(name if "." in name else f"plugins.{name}")
        pm.register(module, name=name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()  # a hook implementation with no such hook is a typo: fail at start
    for defaults in pm.hook.brobygger_config_defaults():
        for key, default in (defaults or {}).items():
            app.config.setdefault(key, _from_environment(key, default))
    return pm


def _from_environment(key, default):
    """A plugin setting from the environment, as the type of its default."""
    raw = os.environ.get(key)
    if raw is None:
        return default
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes")
    if isinstance(default, int):
        return int(raw)
    return raw


def init_plugins(app):
    """Let the loaded plugins add their admin views and blueprints."""
    pm = app.extensions["plugin_manager"]
    admin = app.extensions.get("brobygger_admin")
    if admin is not None:
        pm.hook.brobygger_admin_views(admin=admin)
    for blueprints in pm.hook.brobygger_blueprints(app=app):
        for blueprint in blueprints or ():
            app.register_blueprint(blueprint)
    for commands in pm.hook.brobygger_cli_commands():
        for command in commands or ():
            app.cli.add_command(command)
    return pm


def hook():
    """The current app's hook relay: `hook().brobygger_referral_created(...)`."""
    return current_app.extensions["plugin_manager"].hook


def close_form_values(submitted):
    """The closing form's plugin fields (brobygger_close_form_fields) as a plain dict, from the
    submitted form (a MultiDict): a list of str for a ``list`` field, a str for a ``str`` one.
    Views call this; ``close_case`` and the plugins' hooks only ever see the dict."""
    values = {}
    for fields in hook().brobygger_close_form_fields():
        for name, kind in (fields or {}).items():
            values[name] = list(submitted.getlist(name)) if kind is list else submitted.get(name, "")
    return values
