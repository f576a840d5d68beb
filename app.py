"""The application factory: plugins loaded → db → babel → security → views → admin → plugin
views and blueprints → CLI. Each step is an init_* helper; nothing binds at import time."""

from flask import Flask

import config as config_module
from admin import init_admin
from cli import init_cli
from database import init_db
from hardening import init_hardening
from i18n_setup import init_i18n
from plugins import init_plugins, load_plugins
from security import init_security
from views import init_views


def create_app(config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_module.Config)
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config_module.instance_secret_key(app.instance_path)

    load_plugins(app)  # registered first: the schema check needs their migrations
    init_db(app)
    init_i18n(app)
    init_security(app)
    init_hardening(app)
    init_views(app)
    init_admin(app)
    init_plugins(app)
    init_cli(app)
    return app
