"""Unbound extension singletons; each is bound to an app by its init_app."""

import peewee
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


class DatabaseProxy(peewee.DatabaseProxy):
    """peewee's proxy, but atomic() is the bound database's own, so its commit hooks
    (database.after_commit) apply."""

    def atomic(self, *args, **kwargs):
        return self.obj.atomic(*args, **kwargs)


db = DatabaseProxy()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
