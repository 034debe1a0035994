"""How the controle app plugs into the lifecycle (care_portal.core.etapes): the stage « Contrôle », its
menu entries and reminder, and its opening when a declaration is found complete. Called once from the
app's ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from care_portal.comptes.roles import Role
from care_portal.core import etapes


def _classer(v: dict) -> tuple[str, str] | None:
    from .models import Controle

    etat = v.get("declaration__controle__etat")
    if not etat:
        return None
    if etat == Controle.Etat.OBJECTIFS_ATTEINTS:
        suivante = etapes.suivante("controle")
        return (suivante.code if suivante else "controle"), "Objectifs atteints, paiement à venir"
    return "controle", Controle.Etat(etat).label


def _situer(c) -> etapes.Situation | None:
    from .models import Controle

    K = Controle.Etat
    ctl = Controle.objects.filter(declaration__candidature=c).only("pk", "etat", "date_prevue", "declaration_id").first()
    if ctl is None:
        return None
    lien = reverse("controle:detail", args=[ctl.pk])
    if ctl.etat == K.A_PLANIFIER:
        texte = "Déclaration complète : l'ANS va planifier le contrôle des objectifs."
    elif ctl.etat == K.PLANIFIE:
        quand = f" le {timezone.localtime(ctl.date_prevue):%d/%m/%Y à %H:%M}" if ctl.date_prevue else ""
        texte = f"Contrôle planifié{quand} : vous avez reçu l'invitation par e-mail."
    elif ctl.etat == K.EN_COURS:
        texte = "Contrôle en cours : l'ANS vérifie les preuves de l'atteinte des objectifs."
    elif ctl.etat == K.INFORMATIONS_DEMANDEES:
        texte = "L'ANS vous demande des informations : répondez depuis la page du contrôle."
    elif ctl.etat == K.OBJECTIFS_NON_ATTEINTS:
        return etapes.Situation("controle", K.OBJECTIFS_NON_ATTEINTS.label,
                                "Objectifs non atteints : voir le rapport de contrôle.", lien, clos=True)
    else:
        suivante = etapes.suivante("controle")
        return etapes.Situation(suivante.code if suivante else "controle", "Objectifs atteints, paiement à venir",
                                "Objectifs atteints : l'ANS prépare le paiement du financement.", lien)
    return etapes.Situation("controle", K(ctl.etat).label, texte, lien)


def _a_planifier(dossiers, *, maintenant, limite: int) -> dict:
    """Controls still to plan (oldest first)."""
    from .models import Controle

    qs = (Controle.objects.filter(declaration__candidature__in=dossiers.values("pk"), etat=Controle.Etat.A_PLANIFIER)
          .select_related("declaration__candidature__ght", "declaration__candidature__entite_juridique")
          .order_by("pk"))
    return etapes.compte(qs, limite=limite, url=reverse("controle:planning"), ligne=lambda c: (
        reverse("controle:detail", args=[c.pk]), c.declaration.candidature.structure_libelle))


def _ouvrir(declaration, *, acteur=None):
    from .services import controle_ouvrir

    return controle_ouvrir(declaration=declaration)


def enregistrer() -> None:
    from . import rappels

    etapes.enregistrer_etape(etapes.Etape(
        code="controle", ordre=50, libelle="Contrôle", couleur="#a558a0",
        champs=("declaration__controle__etat",), classer=_classer, situer=_situer))
    etapes.enregistrer_entrees(
        etapes.Entree("Mes contrôles", "controle:mes_controles", 50, lambda h: h.est_es),
        etapes.Entree("Planning des contrôles", "controle:planning", 50,
                      lambda h: h.a(Role.CONTROLEUR_ANS, Role.ADMIN_ANS)),
    )
    etapes.enregistrer_ouverture(etapes.Ouverture(apres="declaration", etape="controle", ouvrir=_ouvrir))
    etapes.enregistrer_compteurs(etapes.Compteur("controles_a_planifier", "contrôles à planifier", "controle",
                                                 _a_planifier, portees=("national",)))
    rappels.enregistrer()
