"""Security settings and headers (issue 3 item 6), and the demo TOTP shortcut that production refuses."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from care_portal.comptes.roles import Role

from .helpers import agent_verifie, code_totp, creer_appareil_totp, creer_utilisateur_avec_role

RACINE = Path(__file__).resolve().parents[2]


def env_production(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CARE_", "PYTEST"))}
    env.update({
        "DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48)[:64],
        "ALLOWED_HOSTS": "ecare.example.fr",
        "CARE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "care_portal.settings.base",
        "CLAMD_HOST": "clamav.ecare.interne",  # production requires an antivirus (check ecare.E001)
        **extra,
    })
    return env


def executer(args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=RACINE, env=env, capture_output=True, text=True,
                          timeout=120)


def reglages_production(tmp_path, noms, **extra) -> dict:
    code = ("import json; from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n, None) for n in {noms!r}}}, default=str))")
    resultat = executer(["-c", code], env_production(tmp_path, **extra))
    assert resultat.returncode == 0, resultat.stderr
    return json.loads(resultat.stdout.strip().splitlines()[-1])


# --- production settings ------------------------------------------------------------------------------

def test_check_deploy_sans_avertissement(tmp_path):
    resultat = executer(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env_production(tmp_path))
    sortie = resultat.stdout + resultat.stderr
    assert resultat.returncode == 0, sortie
    assert "System check identified no issues" in sortie
    assert "WARNING" not in sortie


def test_check_deploy_aussi_avec_le_module_production(tmp_path):
    env = env_production(tmp_path, DJANGO_SETTINGS_MODULE="care_portal.settings.production")
    env.pop("DEBUG")
    resultat = executer(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr


def test_reglages_de_securite_en_production(tmp_path):
    r = reglages_production(tmp_path, [
        "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY",
        "SECURE_CONTENT_TYPE_NOSNIFF", "CARE_DEMO_TOTP", "SESSION_COOKIE_AGE", "PASSWORD_RESET_TIMEOUT",
    ])
    assert r["DEBUG"] is False
    assert r["SESSION_COOKIE_SECURE"] is r["CSRF_COOKIE_SECURE"] is True
    assert r["SESSION_COOKIE_HTTPONLY"] is r["CSRF_COOKIE_HTTPONLY"] is True
    assert r["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert r["SESSION_COOKIE_NAME"].startswith("__Host-") and r["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert r["SECURE_HSTS_SECONDS"] >= 31536000 and r["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert r["SECURE_SSL_REDIRECT"] is True
    assert r["X_FRAME_OPTIONS"] == "DENY"
    assert r["SECURE_REFERRER_POLICY"] == "same-origin"
    assert r["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert r["CARE_DEMO_TOTP"] is False
    assert r["SESSION_COOKIE_AGE"] == 8 * 3600
    assert r["PASSWORD_RESET_TIMEOUT"] == 2 * 3600


@pytest.mark.parametrize("valeur", ["", "1", "true"])
def test_demo_totp_toujours_desactive_en_production(tmp_path, valeur):
    extra = {"CARE_DEMO_TOTP": valeur} if valeur else {}
    assert reglages_production(tmp_path, ["CARE_DEMO_TOTP"], **extra) == {"CARE_DEMO_TOTP": False}


def test_demo_totp_actif_par_defaut_en_mode_embarque(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "CARE_DEMO_TOTP")}
    env.update({"CARE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "care_portal.settings.base"})
    resultat = executer(["-c", "from django.conf import settings; print(settings.CARE_DEMO_TOTP)"], env)
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.strip().splitlines()[-1] == "True"


# --- demo command ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_commande_code_totp_en_demo(settings):
    settings.CARE_DEMO_TOTP = True
    agent = creer_utilisateur_avec_role(Role.REFERENT_ARS, email="demo.ars@exemple.fr")
    device = creer_appareil_totp(agent)
    sortie = StringIO()
    call_command("code_totp", "Demo.ARS@exemple.fr", stdout=sortie)
    assert sortie.getvalue().strip() in {code_totp(device, decalage=d) for d in (-1, 0, 1)}
    assert re.fullmatch(r"\d{6}", sortie.getvalue().strip())


@pytest.mark.django_db
def test_commande_code_totp_refusee_hors_demo(settings):
    settings.CARE_DEMO_TOTP = False
    agent = creer_utilisateur_avec_role(Role.REFERENT_ARS)
    creer_appareil_totp(agent)
    with pytest.raises(CommandError, match="réservée à la démonstration"):
        call_command("code_totp", agent.email, stdout=StringIO())


@pytest.mark.django_db
def test_commande_code_totp_compte_inconnu_ou_sans_appareil(settings):
    settings.CARE_DEMO_TOTP = True
    with pytest.raises(CommandError, match="Aucun compte"):
        call_command("code_totp", "personne@exemple.fr", stdout=StringIO())
    agent = creer_utilisateur_avec_role(Role.CONTROLEUR_ANS)
    with pytest.raises(CommandError, match="n'a pas encore activé"):
        call_command("code_totp", agent.email, stdout=StringIO())


def test_commande_code_totp_refusee_en_production(tmp_path):
    resultat = executer(["manage.py", "code_totp", "agent@exemple.fr"], env_production(tmp_path))
    assert resultat.returncode != 0
    assert "réservée à la démonstration" in resultat.stderr


# --- headers ----------------------------------------------------------------------------------------

def _directives(entete: str) -> dict[str, list[str]]:
    directives = {}
    for partie in entete.split(";"):
        mots = partie.split()
        if mots:
            directives[mots[0]] = mots[1:]
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("nom_page", ["comptes:connexion", "comptes:mot_de_passe_oublie", "core:accueil"])
def test_csp_stricte_sur_les_pages(client, nom_page):
    response = client.get(reverse(nom_page))
    assert response.status_code == 200
    entete = response["Content-Security-Policy"]
    d = _directives(entete)
    assert "'unsafe-inline'" not in entete and "'unsafe-eval'" not in entete
    assert d["default-src"] == ["'self'"]
    assert d["script-src"][0] == "'self'"
    assert all(s.startswith("'nonce-") for s in d["script-src"][1:])
    assert d["style-src"] == ["'self'"]
    assert d["frame-ancestors"] == ["'none'"] and d["object-src"] == ["'none'"]
    assert d["form-action"] == ["'self'"] and d["base-uri"] == ["'self'"]
    # every script of the page is a same-origin file or carries this response's nonce; no inline style
    html = response.content.decode()
    nonces = {s[len("'nonce-"):-1] for s in d["script-src"][1:]}
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    for balise in scripts:
        src = re.search(r'\ssrc="([^"]+)"', balise)
        nonce = re.search(r'\snonce="([^"]+)"', balise)
        assert (src and src.group(1).startswith("/static/")) or (nonce and nonce.group(1) in nonces), balise
    assert not re.search(r"\sstyle=", html)


@pytest.mark.django_db
def test_entetes_de_securite(client):
    response = client.get(reverse("comptes:connexion"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_hsts_et_redirection_https_avec_les_reglages_de_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("comptes:connexion"))
    assert response.status_code == 301 and response.url.startswith("https://")
    response = client.get(reverse("comptes:connexion"), secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_cookies_de_session(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    agent = creer_utilisateur_avec_role(Role.REFERENT_ARS)
    response = client.post(reverse("comptes:connexion"), {"username": agent.email,
                                                          "password": "mot-de-passe-de-test-solide"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE


@pytest.mark.django_db
def test_pages_sensibles_non_mises_en_cache(client):
    agent = creer_utilisateur_avec_role(Role.CONTROLEUR_ANS)
    agent_verifie(client, agent)
    for nom in ("comptes:connexion", "comptes:totp_verification", "comptes:codes_secours"):
        response = client.get(reverse(nom))
        assert "no-store" in response.get("Cache-Control", ""), nom


# --- passwords -------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("mot_de_passe", ["Court-2025", "qwerty123456", "1q2w3e4r5t6y7u8i9o0p", "123456789012345"])
def test_mots_de_passe_refuses(mot_de_passe):
    with pytest.raises(ValidationError):
        validate_password(mot_de_passe)


@pytest.mark.django_db
def test_mot_de_passe_solide_accepte():
    validate_password("Cheval-Agrafe-Batterie-2025")


def test_validateurs_configures():
    noms = {v["NAME"].rsplit(".", 1)[-1]: v for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert noms["MinimumLengthValidator"]["OPTIONS"]["min_length"] >= 12
    assert "CommonPasswordValidator" in noms


# --- templates of this module -----------------------------------------------------------------------

def test_gabarits_sans_script_ni_style_en_ligne():
    gabarits = [*(RACINE / "templates/comptes").glob("*.html")]
    assert gabarits
    for gabarit in gabarits:
        contenu = gabarit.read_text()
        assert not re.search(r"\sstyle=", contenu), gabarit.name
        for balise in re.findall(r"<script\b[^>]*>", contenu):
            assert "nonce=" in balise, gabarit.name
