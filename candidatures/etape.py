"""How the candidatures app plugs into the lifecycle (care_portal.core.etapes): the stages
« Candidature » and « Instruction par l'ARS », their menu entries, reminders and dashboard counts. Called once from the app's ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from care_portal.core import etapes
from care_portal.core.format_fr import date_courte


def _classer_candidature(v: dict) -> tuple[str, str] | None:
    from .models import Candidature

    E = Candidature.Etat
    etat = v.get("etat")
    if etat in (E.BROUILLON, E.RETIREE):
        return "candidature", E(etat).label
    if etat in (E.DEPOSEE, E.COMPLEMENT_DEMANDE, E.REJETEE):
        return "instruction", E(etat).label
    return None


def _situer_candidature(c) -> etapes.Situation | None:
    from .models import Candidature

    E = Candidature.Etat
    lien = reverse("candidatures:detail", args=[c.pk])
    a = c.appel
    if c.etat == E.BROUILLON:
        if a.candidature_fin and timezone.localdate() > a.candidature_fin:
            texte = f"Brouillon : les candidatures ont fermé le {a.candidature_fin:%d/%m/%Y}."
        else:
            texte = f"Brouillon : à compléter et déposer avant le {a.candidature_fin:%d/%m/%Y}."
        return etapes.Situation("candidature", "Brouillon", texte, lien)
    if c.etat == E.RETIREE:
        return etapes.Situation("candidature", "Retirée", "Candidature retirée.", lien, clos=True)
    if c.etat == E.DEPOSEE:
        return etapes.Situation("instruction", E.DEPOSEE.label,
                                f"Déposée le {timezone.localtime(c.deposee_le):%d/%m/%Y} : l'ARS vérifie "
                                "qu'elle est complète.", lien)
    if c.etat == E.COMPLEMENT_DEMANDE:
        return etapes.Situation("instruction", E.COMPLEMENT_DEMANDE.label,
                                "L'ARS demande un complément : complétez la candidature puis déposez-la de nouveau.",
                                lien)
    if c.etat == E.REJETEE:
        return etapes.Situation("instruction", E.REJETEE.label, "Candidature rejetée par l'ARS : voir son motif.",
                                lien, clos=True)
    return None


def _attente_ars(dossiers, *, maintenant, limite: int) -> dict:
    """Candidatures submitted and waiting for the ARS's decision longer than the reminder delay."""
    import datetime

    from django.conf import settings

    from .models import Candidature

    delai = settings.CARE_RAPPEL_ARS_ATTENTE_JOURS
    qs = dossiers.filter(etat=Candidature.Etat.DEPOSEE,
                         deposee_le__lte=maintenant - datetime.timedelta(days=delai)).order_by("deposee_le", "pk")
    return etapes.compte(
        qs.select_related("ght", "entite_juridique"), limite=limite,
        url=reverse("candidatures:file") + "?etat=deposee",
        ligne=lambda c: (reverse("candidatures:detail", args=[c.pk]),
                         f"{c.structure_libelle} — déposée le {date_courte(c.deposee_le, '')} "
                         f"(il y a {(maintenant - c.deposee_le).days} jours)"))


def _ars(h) -> bool:
    return h.est_ars


def enregistrer() -> None:
    from . import rappels

    etapes.enregistrer_etape(etapes.Etape(
        code="candidature", ordre=10, libelle="Candidature", couleur="#6a6af4",
        champs=("etat",), classer=_classer_candidature, situer=_situer_candidature))
    etapes.enregistrer_etape(etapes.Etape(
        code="instruction", ordre=20, libelle="Instruction par l'ARS", couleur="#c3992a"))
    etapes.enregistrer_entrees(
        etapes.Entree("Mes candidatures", "candidatures:mes_candidatures", 10, lambda h: h.est_es),
        etapes.Entree("Candidatures à instruire", "candidatures:file", 10, _ars),
        etapes.Entree("Candidatures", "candidatures:file", 10, lambda h: h.est_ans and not h.est_ars,
                      groupe="Candidatures"),
    )
    from django.conf import settings

    delai = settings.CARE_RAPPEL_ARS_ATTENTE_JOURS
    etapes.enregistrer_compteurs(
        etapes.Compteur("attente", f"candidatures en attente de décision depuis plus de {delai} jours",
                        "instruction", _attente_ars),
    )
    # the agents' search (care_portal.bureau.recherche): the structure (EJ, GHT, the perimeter's EJ and
    # establishments, their FINESS), the dossier's people (contacts, signatory, who opened it)
    etapes.enregistrer_recherche(
        "entite_juridique__raison_sociale", "entite_juridique__finess", "ght__nom", "ght__code",
        "perimetre__libelle", "perimetre__finess",
        "perimetre__entite_juridique__etablissements__raison_sociale",
        "perimetre__entite_juridique__etablissements__finess",
        "referent_nom", "referent_email", "dsi_nom", "dsi_email", "rssi_nom", "rssi_email",
        "signataire_nom", "signataire_email", "cree_par__prenom", "cree_par__nom", "cree_par__email",
    )
    rappels.enregistrer()
