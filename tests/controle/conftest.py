import pytest

from tests.candidatures.donnees import stockage_prive
from tests.conventions.conventions import certificat  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def stockage(settings, tmp_path):
    """Documents in a private directory of the test; no antivirus."""
    return stockage_prive(settings, tmp_path)


@pytest.fixture
def complete(certificat):  # noqa: F811
    """A declaration declared complete by its ARS: (declaration, référent, ARS)."""
    from .donnees import declaration_complete

    return declaration_complete()


@pytest.fixture
def controle(complete):
    """The « à planifier » control of ``complete``, and a controller ANS: (control, controller, référent)."""
    from .donnees import controle_de, controleur

    d, referent, _ = complete
    return controle_de(d), controleur(), referent
