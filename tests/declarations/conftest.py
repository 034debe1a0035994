import pytest

from tests.candidatures.donnees import stockage_prive


@pytest.fixture(autouse=True)
def stockage(settings, tmp_path):
    """Documents in a private directory of the test; no antivirus."""
    return stockage_prive(settings, tmp_path)


@pytest.fixture
def signee():
    """A candidature whose convention is signed and countersigned (its states and versions built without
    rendering nor sealing: ``tests.factories.convention_signee``), the declaration window open:
    (candidature, référent, ARS)."""
    from .donnees import candidature_signee

    return candidature_signee()


@pytest.fixture
def declaration(signee):
    """The draft declaration of ``signee``: (declaration, référent, ARS)."""
    from declarations import services

    c, referent, ars = signee
    return services.declaration_creer(candidature=c, acteur=referent), referent, ars
