"""Many conventions « signée par l'établissement », cheaply, for the countersigning in lots (tests and
bench/bench_contresignature.py): one convention goes through the real services (generation, sending, the
signatory's code, the ES seal); the others are candidatures made complete by the factory, each with a
convention in state « signée par l'établissement » whose ES-signed PDF is the bytes of the first one,
deposited through the documents service (the DG's seal then goes on the empty ``signature_ans`` field
of that PDF, as for a real one)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import timezone

from candidatures.models import Candidature
from care_portal.documents.services import document_deposer
from care_portal.referentiel.models import StatutJuridique
from conventions import services as conventions
from conventions.models import Convention
from tests.factories import CandidatureFactory, EntiteJuridiqueFactory, departement

from .conventions import dossier_complet, envoyee, lire, signee_es


def modele_signe_es() -> Convention:
    """One convention signed by the ES through the services (needs the ``certificat`` fixture's settings)."""
    c, _, _ = dossier_complet()
    return signee_es(envoyee(c))


def conventions_signees_es(n: int, *, modele: Convention, departements: tuple[str, ...] = ("33",)) -> list[Convention]:
    """``n`` conventions signed by the ES, in the call of ``modele``, their structures spread over
    ``departements`` in turn (so over their regions)."""
    pdf = lire(conventions.document_courant(modele, conventions.CATEGORIE_SIGNEE_ES))
    appel = modele.candidature.appel
    maintenant = timezone.now()
    faites = []
    for i in range(n):
        dep = departement(departements[i % len(departements)])
        ej = EntiteJuridiqueFactory(statut=StatutJuridique.PUBLIC, departement=dep,
                                    raison_sociale=f"Centre hospitalier de test {i + 1}")
        c = CandidatureFactory(
            structure=ej, appel=appel, etat=Candidature.Etat.COMPLETE, signataire_nom=f"Directeur {i + 1}",
            signataire_fonction="Directeur général", signataire_email=f"signataire{i}@ch-test.fr",
            referent_email=f"referent{i}@ch-test.fr", rssi_email=f"rssi{i}@ch-test.fr", dsi_email=f"dsi{i}@ch-test.fr")
        cv = Convention.objects.create(
            candidature=c, numero=conventions.numero_pour(c), etat=Convention.Etat.SIGNEE_ES, fournisseur="native",
            envoi=1, envoyee_le=maintenant, signee_es_le=maintenant, signataire_es=f"Directeur {i + 1}",
            plafond=modele.plafond, montant=modele.montant)
        document_deposer(fichier=ContentFile(pdf, name=f"convention-care-{cv.numero}-signee-etablissement.pdf"),
                         acteur=None, proprietaire=cv, categorie=conventions.CATEGORIE_SIGNEE_ES, verrouille=True)
        faites.append(cv)
    return faites
