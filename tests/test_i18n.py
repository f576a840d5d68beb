"""Danish by default, English on request: catalogues, the language switch, forms and Flask-Admin.

The catalogue tests extract the messages afresh (with the Makefile's own command line), so a new
string without a Danish translation fails here, not in front of a user.
"""

import html
import re
import shlex
import subprocess
import sys
from pathlib import Path

import flask_admin
import pytest
import wtforms.i18n
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from i18n import format_number

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
DA_MESSAGES = TRANSLATIONS / "da" / "LC_MESSAGES" / "messages.po"
DA_ADMIN = TRANSLATIONS / "da" / "LC_MESSAGES" / "admin.po"
FLASK_ADMIN_DIR = Path(flask_admin.__file__).resolve().parent

# --- catalogues --------------------------------------------------------------------------------


def _pybabel(*args, cwd):
    result = subprocess.run(  # noqa: S603 - our own interpreter running Babel's CLI
        [sys.executable, "-m", "babel.messages.frontend", "-q", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _read_po(path):
    with open(path, "rb") as f:
        return read_po(f)


def _makefile_extract_args():
    """The arguments of `pybabel extract` in the Makefile's extract-messages target."""
    for line in (ROOT / "Makefile").read_text().splitlines():
        if "pybabel extract" in line:
            words = shlex.split(line.strip())
            return words[words.index("extract") + 1 :]
    raise AssertionError("Makefile has no `pybabel extract` line")


def _without_output(args):
    out = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("-o", "--output", "--output-file"):
            skip = True
        elif not arg.startswith(("-o", "--output=", "--output-file=")):
            out.append(arg)
    return out


def _is_translated(message):
    if message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings)


def _strings(string):
    return tuple(string) if isinstance(string, tuple | list) else (string,)


def _ids(catalog):
    return [m.id for m in catalog if m.id]


def _key(msgid):
    return msgid[0] if isinstance(msgid, tuple | list) else msgid


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory):
    """The app's messages, extracted now exactly as `make extract-messages` does."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    _pybabel("extract", *_without_output(_makefile_extract_args()), "-o", str(pot), cwd=ROOT)
    return _read_po(pot)


@pytest.fixture(scope="module")
def flask_admin_pot(tmp_path_factory):
    """Every string the installed Flask-Admin translates (Python and templates)."""
    folder = tmp_path_factory.mktemp("flask_admin")
    cfg = folder / "babel.cfg"
    cfg.write_text("[python: **.py]\n[jinja2: **/templates/**.html]\n")
    pot = folder / "admin.pot"
    keywords = ("-k", "_gettext", "-k", "_ngettext:1,2", "-k", "lazy_gettext")
    _pybabel("extract", "-F", str(cfg), *keywords, "-o", str(pot), "flask_admin", cwd=FLASK_ADMIN_DIR.parent)
    return _read_po(pot)


def test_extraction_finds_the_app_and_the_wtforms_messages(fresh_pot):
    ids = {_key(i) for i in _ids(fresh_pot)}
    assert {"Log in", "Wrong e-mail or password.", "Referrals", "This field is required."} <= ids


def test_danish_catalogue_translates_every_extracted_message(fresh_pot):
    danish = _read_po(DA_MESSAGES)
    missing = [m.id for m in fresh_pot if m.id and (danish.get(m.id) is None or not _is_translated(danish[m.id]))]
    assert not missing, (
        f"{len(missing)} message(s) without a Danish translation in {DA_MESSAGES.relative_to(ROOT)} "
        f"(run `make extract-messages`, translate, `make translations`):\n"
        + "\n".join(f"  {msgid!r}" for msgid in missing)
    )


def test_every_wtforms_message_has_a_danish_translation():
    """WTForms ships no Danish; translations/wtforms_messages.py must list all its messages."""
    danish = _read_po(DA_MESSAGES)
    wtforms_pot = _read_po(Path(wtforms.i18n.messages_path()) / "wtforms.pot")
    missing = [msgid for msgid in _ids(wtforms_pot) if danish.get(msgid) is None or not _is_translated(danish[msgid])]
    assert not missing, "Add to translations/wtforms_messages.py and translate:\n" + "\n".join(map(repr, missing))


def test_danish_admin_catalogue_covers_every_flask_admin_string(flask_admin_pot):
    ours = _read_po(DA_ADMIN)
    missing = [msgid for msgid in _ids(flask_admin_pot) if ours.get(msgid) is None or not _is_translated(ours[msgid])]
    assert not missing, (
        f"Flask-Admin strings without a Danish translation in {DA_ADMIN.relative_to(ROOT)} "
        "(`pybabel update -i translations/admin.pot -d translations -D admin` after re-extracting):\n"
        + "\n".join(map(repr, missing))
    )


@pytest.mark.parametrize("po", sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po")), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_consistent_and_compiled(po):
    catalog = _read_po(po)
    # Babel's checks: python-format placeholders of msgstr match the msgid's, plural counts.
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check()]
    assert not errors, errors
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run `make translations`"
    with open(mo, "rb") as f:
        compiled = read_mo(f)
    stale = [
        m.id
        for m in catalog
        if m.id
        and _is_translated(m)
        and (compiled.get(m.id) is None or _strings(compiled[m.id].string) != _strings(m.string))
    ]
    assert not stale, f"{mo.relative_to(ROOT)} is stale, run `make translations`: {stale[:5]}"


# --- the running app ---------------------------------------------------------------------------

# Flask-WTF's Meta.get_translations() looks in WTForms' own catalogues, which have no Danish.
WTFORMS_HINT = "WTForms' messages are English: the form's Meta.get_translations() must use our 'messages' catalogue"


def _page(response):
    return html.unescape(response.get_data(as_text=True))


def _html_lang(page):
    match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", page)
    return match and match.group(1)


def test_login_page_is_danish_by_default(client):
    page = _page(client.get("/login"))
    assert _html_lang(page) == "da"
    assert "Log ind i Brobygger" in page
    assert "Adgangskode" in page
    assert not re.search(r"\bLog in\b", page)


def test_wrong_password_message_is_danish(client, world):
    response = client.post("/login", data={"email": world.a.users["admin"].email, "password": "wrong-password"})
    assert "Forkert e-mail eller adgangskode." in _page(response)


def test_login_form_validation_messages_are_danish(client):
    page = _page(client.post("/login", data={}))
    assert page.count("Dette felt skal udfyldes.") == 2, WTFORMS_HINT
    assert "This field is required." not in page


def test_language_switch_changes_login_page_and_back(client):
    response = client.post("/language/en", data={"next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    page = _page(client.get("/login"))
    assert _html_lang(page) == "en"
    assert "Log in to Brobygger" in page
    assert "Log ind" not in page

    client.post("/language/da", data={"next": "/login"})
    page = _page(client.get("/login"))
    assert _html_lang(page) == "da"
    assert "Log ind i Brobygger" in page


def test_language_switch_changes_admin_pages(world, login):
    client = login(world.a.users["admin"])
    response = client.post("/language/en", data={"next": "/admin/referral/"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/referral/")
    page = _page(client.get("/admin/referral/"))
    for english in ("Referrals", "Citizens", "Log out", "Create", "Add Filter", "With selected", "Search"):
        assert english in page, english
    for danish in ("Henvisninger", "Log ud", "Tilføj filter", "Søg"):
        assert danish not in page, danish
    page = _page(client.post("/admin/user/new/", data={}, follow_redirects=True))
    assert "This field is required." in page

    client.post("/language/da", data={"next": "/admin/referral/"})
    page = _page(client.get("/admin/referral/"))
    assert "Henvisninger" in page and "Log ud" in page
    assert "Referrals" not in page


def test_unknown_language_is_404_and_keeps_danish(client):
    assert client.post("/language/xx", data={"next": "/login"}).status_code == 404
    assert client.post("/language/", data={}).status_code == 404
    assert "Log ind i Brobygger" in _page(client.get("/login"))


def test_admin_form_validation_messages_are_danish(world, login):
    client = login(world.a.users["admin"])
    page = _page(client.post("/admin/user/new/", data={}))
    assert "Dette felt skal udfyldes." in page, WTFORMS_HINT
    assert "This field is required." not in page
    # Messages with placeholders, one of them a plural (ngettext) message.
    data = {"name": "x" * 201, "email": "ikke-en-adresse", "role": "coordinator", "new_password": "kort"}
    page = _page(client.post("/admin/user/new/", data=data))
    assert "Feltet må højst være 200 tegn langt." in page  # Length(max=200) from the model
    assert "Adgangskoden skal have mindst 12 tegn." in page  # the password rule (models.user.password_problem)
    assert "Ugyldig e-mailadresse." in page
    assert "characters" not in page and "Invalid email" not in page


def test_flask_admin_chrome_is_danish(world, login):
    client = login(world.a.users["admin"])
    page = _page(client.get("/admin/referral/"))
    assert "Henvisninger" in page
    for danish in ("Liste", "Søg", "Slet", "Eksport"):
        assert danish in page, danish
    assert "tilføj filter" in page.lower()
    assert "slette denne post?" in page  # the row's delete confirmation
    for english in ("Add Filter", "With selected", ">List<", ">Create<", ">Export<", "Are you sure"):
        assert english not in page, english

    page = _page(client.get("/admin/referral/new/"))
    assert 'value="Gem"' in page and "Annuller" in page
    assert "Save" not in page and "Cancel" not in page

    page = _page(client.get(f"/admin/contact/details/?id={world.a.contact.id}"))
    assert "Detaljer" in page and "Details" not in page


def test_flask_admin_strings_missing_upstream_come_from_our_catalogue(world, login):
    """Flask-Admin's Danish .mo has no 'Failed to create record.'; translations/.../admin.po has."""
    client = login(world.a.users["admin"])
    page = _page(client.post("/admin/user/new/", data={}))
    assert "Posten kunne ikke oprettes." in page
    assert "Failed to create record." not in page


def test_our_admin_catalogue_corrects_flask_admins_danish(world, login):
    """Where Flask-Admin's Danish is clumsy ("Oprette", "Eksportere", "Med udvalgte"), ours wins."""
    client = login(world.a.users["admin"])
    page = _page(client.get("/admin/referral/"))
    for ours in (">Opret<", ">Eksportér<", "Med valgte", "Tilføj filter", ">Anvend<"):
        assert ours in page, f"{ours!r} missing: Flask-Admin's own Danish overrides translations/da/.../admin.po"
    for theirs in ("Oprette", "Eksportere", "Med udvalgte", "Tilføj Filter", "Anvende"):
        assert theirs not in page, theirs
    page = _page(client.get("/admin/referral/new/"))
    assert "Gem og opret en til" in page


@pytest.mark.parametrize(
    "value, signed, danish",
    [
        (8.0, False, "8"),
        (8.5, False, "8,5"),
        (36.0, False, "36"),
        (-4.0, True, "-4"),
        (44.0, True, "+44"),
        (None, False, ""),
    ],
)
def test_scores_read_as_danish_numbers(app, value, signed, danish):
    """No "8.0" on the case page: whole scores without decimals, a decimal comma, a sign on changes."""
    with app.test_request_context():
        assert format_number(value, signed=signed) == danish
        assert app.jinja_env.from_string("{{ v|number(signed=s) }}").render(v=value, s=signed) == danish
