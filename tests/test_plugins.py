"""The plugin layer: the README's example plugin, the catalogue, safe mode."""

import re
from pathlib import Path

from plugins import hookspecs
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def test_readme_example_is_the_file_the_tests_load():
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "examples" / "referral_counter.py").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert example in blocks


def test_readme_example_plugin_works(make_app, world):
    from examples import referral_counter

    referral_counter.seen.clear()
    app = make_app(BROBYGGER_PLUGINS="intake,examples.referral_counter")
    client = app.test_client()
    assert client.get("/referral-counter/").status_code == 302  # login required
    client.post("/login", data={"email": world.a.users["admin"].email, "password": factories.PASSWORD})
    client.post(
        "/admin/referral/new/",
        data={"citizen": str(world.a.citizen.id), "status": "received", "received_on": "2025-01-01"},
    )
    assert client.get("/referral-counter/").get_json() == {"referrals_created": 1}
    assert referral_counter.seen[0][1] == "admin"


def test_every_hook_is_documented_and_prefixed():
    hooks = [name for name in dir(hookspecs) if name.startswith("brobygger_")]
    assert len(hooks) >= 7
    for name in hooks:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert ":return:" in doc, name
    assert hookspecs.brobygger_case_may_close.brobygger_spec["firstresult"] is True


def test_case_may_close_first_objection_wins(make_app):
    from plugins import hookimpl

    class Fine:
        @hookimpl
        def brobygger_case_may_close(self, referral, closure, form, user):
            return None

    class Objects:
        @hookimpl
        def brobygger_case_may_close(self, referral, closure, form, user):
            return "ikke endnu"

    app = make_app(BROBYGGER_PLUGINS="")
    pm = app.extensions["plugin_manager"]
    pm.register(Fine())
    assert pm.hook.brobygger_case_may_close(referral=None, closure=None, form={}, user=None) is None
    pm.register(Objects())
    assert pm.hook.brobygger_case_may_close(referral=None, closure=None, form={}, user=None) == "ikke endnu"


def test_unknown_plugin_name_fails_loudly(make_app):
    import pytest

    with pytest.raises(ModuleNotFoundError):
        make_app(BROBYGGER_PLUGINS="no_such_plugin")
