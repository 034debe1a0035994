"""The provider contract (care_portal.signature.base.Fournisseur), the same tests for both real
providers: the portal's native PAdES signature (``PadesNatif``) and Yousign v3 (``FournisseurYousign``,
over real HTTP against the local fake that follows Yousign's published API).

What the signers do differs by nature (the native signer signs through the portal, a Yousign
signer at Yousign): each provider comes with a small ``Pilote`` that makes a signer sign or lets the
request expire; everything asserted goes through the interface."""

# The fixtures are imported from other test modules; pytest injects them by argument name.
# ruff: noqa: F811

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from io import BytesIO

import pytest
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from care_portal.signature.base import (
    DemandeSignature,
    Fournisseur,
    RefusFournisseur,
    RetourInvalide,
    Signataire,
    Statut,
)
from care_portal.signature.natif import DepotMemoire, PadesNatif
from care_portal.signature.yousign import ENTETE_SIGNATURE, FournisseurYousign
from tests.conventions.conventions import certificat  # noqa: F401 (fixture used by name)
from tests.conventions.faux_yousign import FauxYousign, hors_boucle, pdf_exemple

ES = Signataire(prenom="Alice", nom="Martin", email="alice.martin@chu-exemple.fr", fonction="Directrice", role="es")
ANS = Signataire(prenom="Bruno", nom="Durand", email="dg@esante.gouv.fr", fonction="Directeur général", role="ans")


class Horloge:
    """The native provider's « today », moved by the test."""

    def __init__(self) -> None:
        self.jour = timezone.localdate()

    def __call__(self) -> datetime.date:
        return self.jour


class PiloteNatif:
    def __init__(self) -> None:
        self.horloge = Horloge()
        self.fournisseur = PadesNatif(DepotMemoire(), aujourdhui=self.horloge)

    def signer(self, demande: DemandeSignature, signataire: Signataire) -> None:
        self.fournisseur.signer(demande.reference, role=signataire.role, nom=f"{signataire.prenom} {signataire.nom}",
                                fonction=signataire.fonction, horodatage=timezone.now(), ip="192.0.2.10")

    def expirer(self, demande: DemandeSignature) -> None:
        self.horloge.jour += datetime.timedelta(days=30)

    def retour_forge(self) -> tuple[bytes, dict[str, str]]:
        corps = json.dumps({"event_id": "e1", "event_name": "signature_request.done",
                            "data": {"signature_request": {"id": "native-x"}}}).encode()
        return corps, {}


class PiloteYousign:
    def __init__(self, faux: FauxYousign) -> None:
        self.faux = faux
        self.fournisseur = faux.fournisseur()

    def signer(self, demande: DemandeSignature, signataire: Signataire) -> None:
        self.faux.signer(demande.reference, demande.signataires[signataire.role])

    def expirer(self, demande: DemandeSignature) -> None:
        self.faux.expirer(demande.reference)

    def retour_forge(self) -> tuple[bytes, dict[str, str]]:
        corps = json.dumps({"event_id": "e1", "event_name": "signature_request.done",
                            "data": {"signature_request": {"id": "x"}}}).encode()
        faux = "sha256=" + hmac.new(b"un autre secret", corps, hashlib.sha256).hexdigest()
        return corps, {ENTETE_SIGNATURE: faux}


@pytest.fixture(params=["native", "yousign"])
def pilote(request):
    if request.param == "native":
        request.getfixturevalue("certificat")  # the platform certificate the native provider seals with
        yield PiloteNatif()
    else:
        with FauxYousign() as faux:
            yield PiloteYousign(faux)


def _demander(fournisseur: Fournisseur, *, pdf: bytes | None = None, signataires=(ES, ANS),
              reference_interne: str = "convention-42") -> DemandeSignature:
    return fournisseur.demander(
        nom="Convention CaRE — CHU Exemple", reference_interne=reference_interne,
        pdf=pdf if pdf is not None else pdf_exemple(2), nom_fichier="convention-42.pdf",
        signataires=list(signataires), expire_le=timezone.localdate() + datetime.timedelta(days=5))


def _signatures_intactes(pdf: bytes) -> list[str]:
    """The signature fields pyHanko finds filled, each checked intact (the signed bytes hash to the
    digest inside the signature; trust is each provider's business)."""
    lecteur = PdfFileReader(BytesIO(pdf))
    champs = []
    for signature in lecteur.embedded_regular_signatures:
        statut = hors_boucle(validate_pdf_signature, signature, ValidationContext(trust_roots=[], allow_fetching=False))
        assert statut.intact, f"signature {signature.field_name} altérée"
        champs.append(signature.field_name)
    return champs


def test_les_deux_fournisseurs_implementent_l_interface(pilote):
    assert isinstance(pilote.fournisseur, Fournisseur)
    assert pilote.fournisseur.code in ("native", "yousign")
    assert isinstance(pilote.fournisseur, PadesNatif | FournisseurYousign)


def test_une_demande_rend_une_reference_et_un_identifiant_par_signataire(pilote):
    premiere = _demander(pilote.fournisseur, reference_interne="convention-1-1")
    seconde = _demander(pilote.fournisseur, reference_interne="convention-2-1")
    assert premiere.reference and seconde.reference and premiere.reference != seconde.reference
    assert set(premiere.signataires) == {"es", "ans"} and all(premiere.signataires.values())
    assert pilote.fournisseur.statut(premiere.reference) is Statut.EN_COURS


def test_la_demande_est_terminee_quand_tous_ont_signe_et_le_pdf_signe_se_recupere(pilote):
    pdf = pdf_exemple(2)
    demande = _demander(pilote.fournisseur, pdf=pdf)
    with pytest.raises(RefusFournisseur):  # nothing signed yet
        pilote.fournisseur.document_signe(demande.reference)

    pilote.signer(demande, ES)
    assert pilote.fournisseur.statut(demande.reference) is Statut.EN_COURS  # the DG ANS has not signed
    with pytest.raises(RefusFournisseur):
        pilote.fournisseur.document_signe(demande.reference)

    pilote.signer(demande, ANS)
    assert pilote.fournisseur.statut(demande.reference) is Statut.TERMINE
    signe = pilote.fournisseur.document_signe(demande.reference)
    assert signe.startswith(b"%PDF") and signe != pdf
    assert int(PdfFileReader(BytesIO(signe)).root["/Pages"]["/Count"]) == 2  # the same document
    assert len(_signatures_intactes(signe)) == 2  # one signature per signer


def test_un_seul_signataire(pilote):
    demande = _demander(pilote.fournisseur, signataires=[ES])
    assert set(demande.signataires) == {"es"}
    pilote.signer(demande, ES)
    assert pilote.fournisseur.statut(demande.reference) is Statut.TERMINE
    assert len(_signatures_intactes(pilote.fournisseur.document_signe(demande.reference))) == 1


def test_une_demande_expiree(pilote):
    demande = _demander(pilote.fournisseur)
    pilote.expirer(demande)
    assert pilote.fournisseur.statut(demande.reference) is Statut.EXPIRE
    with pytest.raises(RefusFournisseur):
        pilote.fournisseur.document_signe(demande.reference)


def test_une_reference_inconnue_est_un_refus(pilote):
    with pytest.raises(RefusFournisseur):
        pilote.fournisseur.statut("00000000-0000-4000-8000-000000000000")
    with pytest.raises(RefusFournisseur):
        pilote.fournisseur.document_signe("00000000-0000-4000-8000-000000000000")


@pytest.mark.parametrize("signataires", [[], [ES, ES], [Signataire(prenom="X", nom="Y", email="x@y.fr", role="ars")]],
                         ids=["aucun", "role-en-double", "role-inconnu"])
def test_des_signataires_incoherents_sont_refuses(pilote, signataires):
    with pytest.raises(ValueError):
        _demander(pilote.fournisseur, signataires=signataires)


def test_un_fichier_qui_n_est_pas_un_pdf_est_refuse(pilote):
    with pytest.raises(RefusFournisseur):
        _demander(pilote.fournisseur, pdf=b"%PDF-1.7 tronque")


def test_un_retour_non_authentifie_est_invalide(pilote):
    corps, entetes = pilote.retour_forge()
    with pytest.raises(RetourInvalide):
        pilote.fournisseur.lire_retour(corps=corps, entetes=entetes)
