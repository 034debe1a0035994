import pytest

from tests.candidatures.donnees import stockage_prive
from tests.conventions.conventions import certificat  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def stockage(settings, tmp_path):
    """Documents in a private directory of the test; no antivirus."""
    return stockage_prive(settings, tmp_path)
