"""The written plugin API: the import rule, hook names checked at start, after-commit events,
plugin settings with defaults and plugin CLI commands."""

import ast
import datetime
from pathlib import Path

import click
import pytest
from flask_admin import BaseView, expose
from pluggy import PluginValidationError
from werkzeug.datastructures import MultiDict

from models import ClosureReason, Referral
from models.workflow import TransitionError, close_case
from plugins.api import hookimpl
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
CORE_PACKAGES = {"admin", "models", "extensions", "forms", "i18n", "i18n_setup", "database", "security", "views"}
CORE_PACKAGES |= {"config", "app", "cli", "demo", "wsgi"}


def _imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


@pytest.mark.parametrize("plugin", sorted(p.parent.name for p in (ROOT / "plugins").glob("*/__init__.py")))
def test_built_in_plugins_import_the_core_only_through_the_plugin_api(plugin):
    offending = []
    for path in sorted((ROOT / "plugins" / plugin).rglob("*.py")):
        for module in _imported_modules(path):
            top = module.split(".")[0]
            own = module == f"plugins.{plugin}" or module.startswith(f"plugins.{plugin}.")
            if top in CORE_PACKAGES or (top == "plugins" and module != "plugins.api" and not own):
                offending.append(f"{path.relative_to(ROOT)}: {module}")
    assert offending == []


def test_every_name_the_plugin_api_lists_exists():
    import plugins.api

    missing = [name for name in plugins.api.__all__ if not hasattr(plugins.api, name)]
    assert missing == []


class _RecordingAdmin:
    """Stands in for flask_admin.Admin: keeps the views a plugin adds."""

    def __init__(self):
        self.views = []

    def add_view(self, view):
        self.views.append(view)


def _unprefixed_endpoints(name, plugin, app):
    """Endpoints (admin views and blueprints) the plugin registers without its name as prefix:
    ``intake`` may register ``intake`` and ``intake_...``, nothing else."""
    prefix = name.rsplit(".", 1)[-1]
    admin = _RecordingAdmin()
    if hasattr(plugin, "brobygger_admin_views"):
        plugin.brobygger_admin_views(admin=admin)
    endpoints = [view.endpoint for view in admin.views]
    if hasattr(plugin, "brobygger_blueprints"):
        endpoints += [blueprint.name for blueprint in plugin.brobygger_blueprints(app=app) or ()]
    return endpoints, [e for e in endpoints if e != prefix and not e.startswith(f"{prefix}_")]


def test_plugin_endpoints_carry_their_plugins_prefix(app):
    checked, wrong = set(), []
    for name, plugin in app.extensions["plugin_manager"].list_name_plugin():
        endpoints, unprefixed = _unprefixed_endpoints(name, plugin, app)
        if endpoints:
            checked.add(name)
        wrong += [f"{name}: {endpoint}" for endpoint in unprefixed]
    assert wrong == []
    assert {"intake", "end_criteria", "collaboration"} <= checked


class _Page(BaseView):
    @expose("/")
    def index(self):
        return ""


class Unprefixed:
    """A plugin whose page is named without the plugin's prefix."""

    @hookimpl
    def brobygger_admin_views(self, admin):
        admin.add_view(_Page(name="Notes", endpoint="notes", url="/admin/unprefixed-notes"))


def test_an_endpoint_without_the_plugins_prefix_is_found(app):
    assert _unprefixed_endpoints("unprefixed", Unprefixed(), app) == (["notes"], ["notes"])


class Misspelt:
    @hookimpl
    def brobygger_referal_created(self, referral, source):  # sic: no such hook
        pass


def test_a_misspelt_hook_name_stops_the_app_at_start(make_app, monkeypatch):
    import plugins as plugin_layer

    original = plugin_layer.make_plugin_manager

    def with_misspelt_plugin():
        pm = original()
        pm.register(Misspelt())
        return pm

    monkeypatch.setattr(plugin_layer, "make_plugin_manager", with_misspelt_plugin)
    with pytest.raises(PluginValidationError, match="brobygger_referal_created"):
        make_app()


class Listener:
    """Records what it hears; can object inside the transaction to force a rollback."""

    def __init__(self, refuse=False):
        self.refuse, self.inside, self.after = refuse, [], []

    @hookimpl
    def brobygger_referral_created(self, referral, source):
        self.inside.append(referral.id)
        if self.refuse:
            raise RuntimeError("no")

    @hookimpl
    def brobygger_after_referral_created(self, referral, source):
        self.after.append((referral.id, source))

    @hookimpl
    def brobygger_case_closed(self, referral, closure, form, user):
        self.inside.append(closure.id)
        if self.refuse:
            raise RuntimeError("no")

    @hookimpl
    def brobygger_after_case_closed(self, referral, closure, user):
        self.after.append((closure.id, user.id))


def _app_with(make_app, listener):
    app = make_app(BROBYGGER_PLUGINS="")
    app.extensions["plugin_manager"].register(listener)
    return app


def _admin_client(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302
    return client


def test_after_commit_hook_hears_of_a_committed_referral(make_app, world):
    listener = Listener()
    app = _app_with(make_app, listener)
    client = _admin_client(app, world.a.users["admin"])
    response = client.post(
        "/admin/referral/new/",
        data={"citizen": str(world.a.citizen.id), "status": "received", "received_on": "2025-01-01"},
    )
    assert response.status_code == 302
    created = Referral.select().order_by(Referral.id.desc()).first()
    assert listener.inside == [created.id]
    assert listener.after == [(created.id, "admin")]


def test_after_commit_hook_is_silent_when_the_referral_is_rolled_back(make_app, world):
    listener = Listener(refuse=True)
    app = _app_with(make_app, listener)
    client = _admin_client(app, world.a.users["admin"])
    before = Referral.select().count()
    client.post(
        "/admin/referral/new/",
        data={"citizen": str(world.a.citizen.id), "status": "received", "received_on": "2025-01-01"},
    )
    assert len(listener.inside) == 1  # it was asked inside the transaction...
    assert listener.after == []  # ...which rolled back: no after-commit event
    assert Referral.select().count() == before


def _case(world):
    return factories.make_referral(world.a.org, status="active", received_on=datetime.date(2025, 1, 10))


def _reason(org):
    return ClosureReason.get((ClosureReason.organisation == org.id) & (ClosureReason.code == "bridged"))


def test_after_case_closed_runs_after_the_commit_with_the_saved_closure(make_app, world):
    listener = Listener()
    app = _app_with(make_app, listener)
    coordinator = world.a.users["coordinator"]
    with app.test_request_context():
        closure = close_case(_case(world), coordinator, _reason(world.a.org), datetime.date.today())
    assert listener.inside == [closure.id]
    assert listener.after == [(closure.id, coordinator.id)]


def test_after_case_closed_is_not_called_for_an_undone_closing(make_app, world):
    listener = Listener(refuse=True)
    app = _app_with(make_app, listener)
    referral = _case(world)
    with app.test_request_context(), pytest.raises(RuntimeError):
        close_case(referral, world.a.users["coordinator"], _reason(world.a.org), datetime.date.today())
    assert listener.after == []
    assert Referral.get_by_id(referral.id).status == "active"


def test_case_may_close_gets_the_closure_model_and_an_objection_stops_it(make_app, world):
    seen = []

    class Objects:
        @hookimpl
        def brobygger_case_may_close(self, referral, closure, form, user):
            seen.append((type(closure).__name__, closure.id, closure.reason.code, form.get("x")))
            return "ikke endnu"

    app = make_app(BROBYGGER_PLUGINS="")
    app.extensions["plugin_manager"].register(Objects())
    referral = _case(world)
    with app.test_request_context(), pytest.raises(TransitionError, match="ikke endnu"):
        close_case(referral, world.a.users["coordinator"], _reason(world.a.org), datetime.date.today(), form={"x": 1})
    assert seen == [("CaseClosure", None, "bridged", 1)]


def test_plugin_settings_take_config_then_environment_then_default(make_app, monkeypatch):
    plugins = "examples.referral_counter"
    assert make_app(BROBYGGER_PLUGINS=plugins).config["REFERRAL_COUNTER_LABEL"] == "referrals"
    monkeypatch.setenv("REFERRAL_COUNTER_LABEL", "henvisninger")
    assert make_app(BROBYGGER_PLUGINS=plugins).config["REFERRAL_COUNTER_LABEL"] == "henvisninger"
    app = make_app(BROBYGGER_PLUGINS=plugins, REFERRAL_COUNTER_LABEL="sager")
    assert app.config["REFERRAL_COUNTER_LABEL"] == "sager"


def test_intake_settings_are_the_plugins_own(make_app, monkeypatch):
    assert make_app().config["INTAKE_RATE_LIMIT"] == "5 per minute;30 per hour"
    monkeypatch.setenv("INTAKE_MAX_BODY", "1000")
    assert make_app().config["INTAKE_MAX_BODY"] == 1000
    config_source = (ROOT / "config.py").read_text()
    assert "INTAKE" not in config_source  # the core's config knows no plugin's setting


def test_plugins_add_cli_commands(make_app):
    app = make_app(BROBYGGER_PLUGINS="examples.referral_counter")
    assert isinstance(app.cli.get_command(None, "referral-count"), click.Command)
    result = app.test_cli_runner().invoke(args=["referral-count"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().isdigit()


class FormReader:
    """Records the closing form data the closing hooks are given."""

    def __init__(self):
        self.seen = []

    @hookimpl
    def brobygger_close_form_fields(self):
        return {"reader_tags": list, "reader_note": str}

    @hookimpl
    def brobygger_case_may_close(self, referral, closure, form, user):
        self.seen.append(("may_close", form))

    @hookimpl
    def brobygger_case_closed(self, referral, closure, form, user):
        self.seen.append(("closed", form))


def test_closing_hooks_get_the_declared_fields_as_plain_values(make_app, world):
    reader = FormReader()
    app = _app_with(make_app, reader)
    referral = _case(world)
    client = _admin_client(app, world.a.users["coordinator"])
    data = {
        "reason": str(_reason(world.a.org).id),
        "closed_on": datetime.date.today().isoformat(),
        "version": str(referral.version),
        "reader_tags": ["a", "b"],
        "other": "not declared",
    }
    assert client.post(f"/admin/referral/close/?id={referral.id}", data=data).status_code == 302
    expected = {"reader_tags": ["a", "b"], "reader_note": ""}
    assert reader.seen == [("may_close", expected), ("closed", expected)]
    assert all(type(form) is dict for _hook, form in reader.seen)


def test_close_case_refuses_the_requests_form(app, world):
    with app.app_context(), pytest.raises(TypeError, match="plain values"):
        close_case(
            _case(world), world.a.users["coordinator"], _reason(world.a.org), datetime.date.today(), form=MultiDict()
        )
