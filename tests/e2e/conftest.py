"""Browser tests: pytest-playwright driving Debian's Chromium against ``live_server``.

- Chromium is /usr/bin/chromium (``apt-get install -y chromium``; Playwright cannot download its
  own browsers here). Without it the tests skip, and fail under CARE_REQUIRE_SERVICES=1 (CI).
- Every page a test visits is checked with axe-core (bundled by axe-playwright-python, offline):
  any violation of impact "serious" or "critical" fails the test, listed rule by rule. The
  ``navigateur`` fixture checks automatically after each navigation it drives (``aller``,
  ``soumettre``, ``suivre``); and it records every main-frame navigation of the page, so a page
  reached any other way and left unchecked fails the test at teardown.
- A Content-Security-Policy violation reported by the browser fails the test too.
- Every HTML document the server sends to the page (main-frame responses) is checked with the Nu HTML
  Checker (``tests/e2e/vnu.py``): any error fails the test at teardown, listed with its line.
- The live server runs in a thread of this process: ``django.core.mail.outbox`` is shared, and
  e-mails are sent when the view's transaction commits.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls in that case
# unless told it is safe (it is: one thread drives the browser, the live server has its own).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CARE_CHROMIUM", "/usr/bin/chromium"))
ARGS_CHROMIUM = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
IMPACTS_BLOQUANTS = {"serious", "critical"}
DELAI_MS = 15_000


@pytest.hookimpl(tryfirst=True)  # before -m selects on the marker
def pytest_collection_modifyitems(config, items):
    dossier = Path(__file__).parent
    for item in items:
        if dossier in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def pytest_runtest_setup(item):
    # Before any fixture (the session-scoped browser included) is set up.
    if item.get_closest_marker("e2e") is None or CHROMIUM.exists():
        return
    raison = f"Chromium est absent ({CHROMIUM}) : apt-get install -y chromium"
    if os.environ.get("CARE_REQUIRE_SERVICES") == "1":
        pytest.fail(raison + " (CARE_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(raison)


@pytest.fixture(scope="session", autouse=True)
def donnees_initiales_partagees(django_db_setup):
    """Keep ``serialized_rollback`` working for the browser tests.

    1. Django keeps connections in context-local storage (asgiref.Local); Playwright's sync API
       runs the tests inside another context, where ``connections["default"]`` is a new wrapper
       without ``_test_serialized_contents``: the data of the data migrations (regions, groups…),
       flushed after a transactional test, would never come back. Read before any browser starts,
       the serialized contents become a class attribute, seen by every wrapper.
    2. A transactional test without serialized rollback (a Celery worker test…) flushes the
       database and re-creates content types and permissions (post_migrate): reloading the
       serialized rows on top of them would fail on their unique keys. The database is emptied
       first (without post_migrate), then reloaded.
    """
    from django.core.management import call_command
    from django.db import connections

    restaurer = []
    for alias in connections:
        connexion = connections[alias]
        contenu = getattr(connexion, "_test_serialized_contents", None)
        if contenu is None:
            continue
        classe, creation = type(connexion), type(connexion.creation)
        if "_test_serialized_contents" not in classe.__dict__:
            classe._test_serialized_contents = contenu
            restaurer.append(lambda classe=classe: delattr(classe, "_test_serialized_contents"))
        if not getattr(creation.deserialize_db_from_string, "vide_d_abord", False):
            origine = creation.deserialize_db_from_string

            def deserialiser(self, data, origine=origine):
                # Sequences kept (as TransactionTestCase does): the reloaded rows keep their ids.
                call_command("flush", verbosity=0, interactive=False, database=self.connection.alias,
                             reset_sequences=False, inhibit_post_migrate=True)
                return origine(self, data)

            deserialiser.vide_d_abord = True
            creation.deserialize_db_from_string = deserialiser
            restaurer.append(lambda creation=creation, origine=origine: setattr(
                creation, "deserialize_db_from_string", origine))
    yield
    for action in reversed(restaurer):
        action()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": ARGS_CHROMIUM}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


# --- accessibility --------------------------------------------------------------------------------

def _axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def violations_bloquantes(page) -> list[dict]:
    """Run axe-core on the page as it is now; return the serious and critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_script())  # through the DevTools protocol: the page's CSP does not apply
    resultat = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in resultat["violations"] if v.get("impact") in IMPACTS_BLOQUANTS]


def decrire(violations: list[dict]) -> str:
    lignes = []
    for v in violations:
        cibles = ", ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                           for n in v["nodes"][:5])
        lignes.append(f"  - {v['id']} ({v['impact']}) : {v['help']} — {len(v['nodes'])} élément{'s' if len(v['nodes']) > 1 else ''} : {cibles}")
    return "\n".join(lignes)


# --- valid markup (Nu HTML Checker) ------------------------------------------------------------------

@pytest.fixture(scope="session")
def verificateur_html():
    from .vnu import Verificateur, VnuIndisponible

    try:
        v = Verificateur()
    except VnuIndisponible as exc:
        if os.environ.get("CARE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{exc} (CARE_REQUIRE_SERVICES=1)", pytrace=False)
        import warnings

        warnings.warn(f"Balisage non vérifié : {exc}", stacklevel=1)
        yield None
        return
    yield v
    v.arreter()


@dataclass
class Navigateur:
    """The page, driven so that every document it shows is checked with axe-core."""

    page: object
    base_url: str
    visites: list[dict] = field(default_factory=list)  # one per main-frame navigation
    erreurs_csp: list[str] = field(default_factory=list)
    documents: list[tuple[str, str]] = field(default_factory=list)  # (path, HTML) received by the main frame

    def __post_init__(self):
        self.page.set_default_timeout(DELAI_MS)
        self.page.on("framenavigated", self._navigation)
        self.page.on("console", self._console)
        self.page.on("response", self._reponse)

    def _reponse(self, reponse) -> None:
        requete = reponse.request
        if (requete.resource_type != "document" or requete.frame != self.page.main_frame
                or "text/html" not in reponse.headers.get("content-type", "")):
            return
        try:
            self.documents.append((urlsplit(reponse.url).path, reponse.text()))
        except Exception:  # noqa: BLE001 — a redirect or an aborted navigation has no body
            pass

    def _navigation(self, frame) -> None:
        if frame == self.page.main_frame and not frame.url.startswith("about:"):
            self.visites.append({"url": frame.url, "verifiee": False})

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.erreurs_csp.append(f"{self.page.url} : {message.text}")

    # -- checks
    def verifier(self) -> None:
        """axe-core on the current document; fails on a serious or critical violation."""
        self.page.wait_for_load_state("load")
        violations = violations_bloquantes(self.page)
        chemin = urlsplit(self.page.url).path
        if violations:
            pytest.fail(f"Accessibilité : {len(violations)} violation(s) grave(s) sur {chemin}\n"
                        + decrire(violations), pytrace=False)
        for visite in self.visites:
            visite["verifiee"] = visite["verifiee"] or visite["url"] == self.page.url
        if self.visites:
            self.visites[-1]["verifiee"] = True

    # -- navigation helpers (each checks the page it lands on)
    def url(self, chemin: str) -> str:
        return chemin if chemin.startswith("http") else self.base_url + chemin

    def aller(self, chemin: str) -> None:
        self.page.goto(self.url(chemin))
        self.verifier()

    def soumettre(self, bouton) -> None:
        """Click a submit button (a Locator) and check the page the form leads to."""
        with self.page.expect_navigation():
            bouton.click()
        self.verifier()

    def suivre(self, lien) -> None:
        """Click a link (a Locator) and check the page it leads to."""
        with self.page.expect_navigation():
            lien.click()
        self.verifier()

    def chemin(self) -> str:
        return urlsplit(self.page.url).path

    def se_deconnecter(self) -> None:
        self.soumettre(self.page.locator("header").get_by_role("button", name="Se déconnecter").first)

    def non_verifiees(self) -> list[str]:
        return [v["url"] for v in self.visites if not v["verifiee"]]


def erreurs_de_balisage(verificateur, documents: list[tuple[str, str]]) -> str:
    """The Nu checker's errors on the documents, described ('' when there are none)."""
    from .vnu import decrire

    if verificateur is None:
        return ""
    rapports = []
    for chemin, html in documents:
        erreurs = verificateur.erreurs(html)
        if erreurs:
            rapports.append(decrire(chemin, erreurs, html))
    return "\n".join(rapports)


@pytest.fixture
def navigateur(page, live_server, verificateur_html):
    nav = Navigateur(page=page, base_url=live_server.url)
    yield nav
    oubliees = nav.non_verifiees()
    assert not oubliees, "Pages visitées sans contrôle d'accessibilité : " + ", ".join(oubliees)
    assert not nav.erreurs_csp, "Violations de la Content-Security-Policy :\n" + "\n".join(nav.erreurs_csp)
    assert nav.documents or not nav.visites, "Aucun document HTML reçu n'a été enregistré pour le vérificateur."
    balisage = erreurs_de_balisage(verificateur_html, nav.documents)
    assert not balisage, "HTML invalide (Nu HTML Checker) :\n" + balisage


# --- helpers for the flows ----------------------------------------------------------------------------

LIEN = re.compile(r"https?://[^\s]+")


def lien_du_mail(message, base_url: str) -> str:
    """The first link of an e-mail, pointed at the live server (SITE_URL is another host)."""
    lien = LIEN.search(message.body).group(0)
    parties = urlsplit(lien)
    return base_url + parties.path + (f"?{parties.query}" if parties.query else "")
