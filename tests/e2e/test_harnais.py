"""The browser harness itself: axe-core finds what it must, unchecked pages and CSP violations are caught."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Navigateur, decrire, violations_bloquantes

pytestmark = [pytest.mark.e2e]


def test_axe_signale_les_violations_graves(page):
    page.set_content(
        '<!DOCTYPE html><html><head><title>t</title></head><body><main>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<button></button>'
        '<p>ok</p></main></body></html>'
    )
    violations = violations_bloquantes(page)
    ids = {v["id"] for v in violations}
    assert {"image-alt", "button-name", "html-has-lang"} <= ids
    assert all(v["impact"] in {"serious", "critical"} for v in violations)
    assert "image-alt (critical)" in decrire(violations)


def test_axe_ignore_les_violations_mineures(page):
    # a heading level skipped is "moderate": reported by axe, not blocking here
    page.set_content('<!DOCTYPE html><html lang="fr"><head><title>t</title></head><body><main>'
                     '<h1>Titre</h1><h4>Sous-titre</h4></main></body></html>')
    assert violations_bloquantes(page) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_une_page_non_verifiee_est_signalee(page, live_server):
    nav = Navigateur(page=page, base_url=live_server.url)
    nav.aller("/")
    assert nav.non_verifiees() == []
    page.goto(live_server.url + "/comptes/connexion/")  # not through the helpers, not checked
    assert nav.non_verifiees() == [live_server.url + "/comptes/connexion/"]
    nav.verifier()
    assert nav.non_verifiees() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_une_violation_de_la_csp_est_signalee(page, live_server):
    nav = Navigateur(page=page, base_url=live_server.url)
    nav.aller("/")
    assert nav.erreurs_csp == []
    # the browser reports the blocked inline script on its console: wait for that message, not a fixed time
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
                      " document.body.appendChild(s); }")
    assert nav.erreurs_csp and "Content Security Policy" in nav.erreurs_csp[0]
    assert page.evaluate("() => window.x") is None  # the inline script was blocked
