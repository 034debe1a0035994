"""The desk in the demo (``manage.py seed_demo``, step ``bureau``, after every stage and the demo accounts):
each demo ARS agent gets its agency's labels, a few of its region's submitted dossiers assigned to them,
labelled, followed, with a private note; the ANS controller gets the ANS's labels and two dossiers in
control. Through the services (logged like any agent's action). Idempotent: an agency that already has
labels is left as it is. ``garnir_demo()`` can also be called on its own.
"""

from __future__ import annotations

from django.conf import settings

from care_portal.comptes.demo import DOMAINE
from care_portal.comptes.models import Rattachement
from care_portal.comptes.roles import Role
from care_portal.core import etapes
from care_portal.core.format_fr import s

from . import services
from .agences import ANS, agence_de_region
from .models import Etiquette

ETIQUETTES_ARS = (("Pièces à relancer", "orange-terre-battue"), ("Prioritaire", "pink-tuile"),
                  ("Prêt à décider", "green-menthe"))
ETIQUETTES_ANS = (("Contrôle sur site", "purple-glycine"), ("Montant à vérifier", "yellow-moutarde"))
DOSSIERS_PAR_AGENT = 4



def _bilan(agence: str, etiquettes: list, dossiers: list, agent) -> str:
    e, d = len(etiquettes), len(dossiers)
    return f"Bureau de {agence} : {e} étiquette{s(e)}, {d} dossier{s(d)} affecté{s(d)} à {agent}."

def _agents_demo(role: str) -> list[Rattachement]:
    return list(Rattachement.objects.filter(role=role, etat=Rattachement.Etat.CONFIRME,
                                            utilisateur__email__endswith=f"@{DOMAINE}")
                .select_related("utilisateur", "region").order_by("utilisateur__email"))


def garnir_demo() -> list[str]:
    lignes: list[str] = []
    modele = etapes.modele_dossier()
    for r in _agents_demo(Role.REFERENT_ARS):
        agence, agent = agence_de_region(r.region), r.utilisateur
        if Etiquette.objects.filter(agence.filtre()).exists():
            continue
        etiquettes = [services.etiquette_creer(agence=agence, libelle=libelle, couleur=couleur, acteur=agent)
                      for libelle, couleur in ETIQUETTES_ARS]
        dossiers = list(modele.objects.filter(region_instructrice=r.region, etat="deposee")
                        .order_by("deposee_le", "pk")[:DOSSIERS_PAR_AGENT])
        for i, d in enumerate(dossiers):
            services.affectation_prendre(dossier=d, acteur=agent)
            services.etiquette_poser(dossier=d, etiquette=etiquettes[i % len(etiquettes)], acteur=agent)
            if i == 0:
                services.suivi_ajouter(dossier=d, acteur=agent)
                services.note_ajouter(dossier=d, acteur=agent, texte=(
                    "Appel au DSI le 12 : l'attestation d'audit de cybersurveillance arrive cette semaine. "
                    "Relancer si rien lundi."))
        lignes.append(_bilan(agence.libelle, etiquettes, dossiers, agent))
    for r in _agents_demo(Role.CONTROLEUR_ANS)[:1]:
        agent = r.utilisateur
        if Etiquette.objects.filter(ANS.filtre()).exists():
            continue
        etiquettes = [services.etiquette_creer(agence=ANS, libelle=libelle, couleur=couleur, acteur=agent)
                      for libelle, couleur in ETIQUETTES_ANS]
        dossiers = list(modele.objects.filter(declaration__controle__etat="planifie").order_by("pk")[:2])
        for d in dossiers:
            services.affectation_prendre(dossier=d, acteur=agent)
            services.etiquette_poser(dossier=d, etiquette=etiquettes[0], acteur=agent)
        lignes.append(_bilan("l'ANS", etiquettes, dossiers, agent))
    return lignes or ["Bureau des agents : déjà garni (ou aucun compte d'agent de démonstration)."]


def _enregistrer_etape_seed_demo() -> None:
    from care_portal.referentiel.demo import ContexteDemo, enregistrer_etape

    @enregistrer_etape("bureau", ordre=95)
    def etape_bureau(contexte: ContexteDemo) -> list[str]:
        """After every stage and the demo accounts: the agents' labels, assignments and notes."""
        if getattr(settings, "PRODUCTION", not settings.DEBUG):
            return ["Bureau des agents : jamais garni en production (DEBUG=0)."]
        return garnir_demo()


_enregistrer_etape_seed_demo()
