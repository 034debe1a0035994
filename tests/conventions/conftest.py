import pytest

from tests.candidatures.donnees import stockage_prive
from tests.factories import AppelFactory


@pytest.fixture(autouse=True)
def stockage(settings, tmp_path):
    """Documents in a private directory of the test; no antivirus."""
    return stockage_prive(settings, tmp_path)


@pytest.fixture
def appel():
    """A call whose windows are open today."""
    return AppelFactory()
