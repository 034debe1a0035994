"""The antivirus system check (ecare.E001): production refuses to run without clamd unless the
operator writes CARE_ANTIVIRUS=desactive."""

from __future__ import annotations

import pytest
from django.core.checks import ERROR, WARNING, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from care_portal.documents.checks import refuser_de_demarrer

PRODUCTION = {"DEBUG": False, "PRODUCTION": True, "CLAMD_SOCKET": "", "CLAMD_HOST": "", "CARE_ANTIVIRUS": ""}


def messages(ids_prefix="ecare."):
    return {m.id: m for m in run_checks(include_deployment_checks=True) if m.id and m.id.startswith(ids_prefix)}


def test_production_sans_clamd_signalee_par_check_deploy():
    with override_settings(**PRODUCTION):
        trouves = messages()
        assert set(trouves) == {"ecare.E001"}
        assert trouves["ecare.E001"].level == ERROR
        assert "CARE_ANTIVIRUS=desactive" in trouves["ecare.E001"].hint
        with pytest.raises(ImproperlyConfigured, match="ecare.E001"):
            refuser_de_demarrer()


def test_check_deploy_seulement():
    with override_settings(**PRODUCTION):
        assert not [m for m in run_checks(include_deployment_checks=False) if m.id == "ecare.E001"]


@pytest.mark.parametrize("reglage", [{"CLAMD_SOCKET": "/run/clamav/clamd.ctl"}, {"CLAMD_HOST": "clamav"}])
def test_production_avec_clamd(reglage):
    with override_settings(**{**PRODUCTION, **reglage}):
        assert messages() == {}
        refuser_de_demarrer()


def test_antivirus_desactive_explicitement_averti_sans_bloquer():
    with override_settings(**{**PRODUCTION, "CARE_ANTIVIRUS": "desactive"}):
        trouves = messages()
        assert set(trouves) == {"ecare.W001"} and trouves["ecare.W001"].level == WARNING
        refuser_de_demarrer()


def test_valeur_inconnue_refusee():
    with override_settings(**{**PRODUCTION, "CARE_ANTIVIRUS": "off", "CLAMD_HOST": "clamav"}):
        assert set(messages()) == {"ecare.E002"}


def test_rien_en_developpement():
    with override_settings(DEBUG=True, PRODUCTION=False, CLAMD_SOCKET="", CLAMD_HOST=""):
        assert messages() == {}


def test_check_deploy_et_demarrage_wsgi_en_production(tmp_path):
    """The real settings from the environment (DEBUG=0, no clamd): check --deploy fails on ecare.E001
    and the WSGI application refuses to load; CARE_ANTIVIRUS=desactive lets both through."""
    from tests.comptes.test_securite import env_production, executer

    env = env_production(tmp_path)
    env.pop("CLAMD_HOST", None)
    env.pop("CLAMD_SOCKET", None)
    resultat = executer(["manage.py", "check", "--deploy"], env)
    assert resultat.returncode != 0 and "ecare.E001" in resultat.stderr + resultat.stdout
    resultat = executer(["-c", "import care_portal.wsgi"], env)
    assert resultat.returncode != 0 and "ecare.E001" in resultat.stderr
    env["CARE_ANTIVIRUS"] = "desactive"
    resultat = executer(["manage.py", "check", "--deploy"], env)
    assert resultat.returncode == 0 and "ecare.W001" in resultat.stderr + resultat.stdout
    assert executer(["-c", "import care_portal.wsgi"], env).returncode == 0
