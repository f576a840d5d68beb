"""The plugin manager. Plugins are listed in config (BROBYGGER_PLUGINS) by import name, or
installed with an entry point in the group `brobygger.plugins`. BROBYGGER_SAFE_MODE loads none."""

import importlib

import pluggy

from plugins import hookspecs

hookimpl = pluggy.HookimplMarker("brobygger")
ENTRY_POINT_GROUP = "brobygger.plugins"


def make_plugin_manager():
    pm = pluggy.PluginManager("brobygger")
    pm.add_hookspecs(hookspecs)
    return pm


def init_plugins(app):
    pm = make_plugin_manager()
    app.extensions["plugin_manager"] = pm
    if app.config["BROBYGGER_SAFE_MODE"]:
        app.logger.warning("Safe mode: no plugins loaded.")
        return pm
    for name in filter(None, (n.strip() for n in app.config["BROBYGGER_PLUGINS"].split(","))):
        module = importlib.import_module(name if "." in name else f"plugins.{name}")
        pm.register(module, name=name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    admin = app.extensions.get("brobygger_admin")
    if admin is not None:
        pm.hook.brobygger_admin_views(admin=admin)
    for blueprints in pm.hook.brobygger_blueprints(app=app):
        for blueprint in blueprints or ():
            app.register_blueprint(blueprint)
    return pm
