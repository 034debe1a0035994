import pytest

from tests.candidatures.donnees import stockage_prive


@pytest.fixture(autouse=True)
def stockage(settings, tmp_path):
    """Documents in a private directory of the test; no antivirus."""
    return stockage_prive(settings, tmp_path)


@pytest.fixture
def valide():
    """A validated control, its call's ceiling table and payment window open: (control, référent, ARS)."""
    from .paiements import controle_valide

    return controle_valide()
