"""How the conventions app plugs into the lifecycle (care_portal.core.etapes): the stage « Convention »,
opened when the ARS declares a candidature complete, its menu entries, reminder, dashboard counts and
search field. Called once from the app's ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from care_portal.comptes.roles import Role
from care_portal.core import etapes
from care_portal.core.format_fr import date_courte


def _classer_convention(v: dict) -> tuple[str, str] | None:
    from candidatures.models import Candidature

    from .models import Convention

    if v.get("etat") != Candidature.Etat.COMPLETE:
        return None
    conv = v.get("convention__etat")
    if conv == Convention.Etat.SIGNEE:
        suivante = etapes.suivante("convention")
        return (suivante.code if suivante else "convention"), "Convention signée, déclaration à venir"
    return "convention", Convention.Etat(conv).label if conv else "À générer"


def _convention_de(c):
    try:
        return c.convention
    except Exception:  # noqa: BLE001 — RelatedObjectDoesNotExist: no convention yet
        return None


def _situer_convention(c) -> etapes.Situation | None:
    from candidatures.models import Candidature

    from .models import Convention

    if c.etat != Candidature.Etat.COMPLETE:
        return None
    C = Convention.Etat
    cv = _convention_de(c)
    lien = reverse("conventions:detail", args=[c.pk])
    if cv is None or cv.etat == C.A_GENERER:
        return etapes.Situation("convention", "À générer", "Candidature complète : l'ANS prépare la convention.",
                                lien)
    if cv.etat == C.ENVOYEE:
        echeance = f" avant le {timezone.localtime(cv.echeance):%d/%m/%Y à %H:%M}" if cv.echeance else ""
        return etapes.Situation("convention", C.ENVOYEE.label, f"Convention envoyée : à signer{echeance}.", lien)
    if cv.etat == C.SIGNEE_ES:
        return etapes.Situation("convention", C.SIGNEE_ES.label,
                                "Convention signée par l'établissement : en attente de la contre-signature de l'ANS.",
                                lien)
    if cv.etat == C.EXPIREE:
        return etapes.Situation("convention", C.EXPIREE.label,
                                "Convention expirée sans signature : l'ARS ou l'ANS peut vous l'envoyer de nouveau.",
                                lien)
    a = c.appel
    suivante = etapes.suivante("convention")
    return etapes.Situation(suivante.code if suivante else "convention", "Convention signée, déclaration à venir",
                            f"Convention signée. Déclaration d'atteinte des objectifs du {a.declaration_debut:%d/%m/%Y} "
                            f"au {a.declaration_fin:%d/%m/%Y}.", lien)


def _conventions(etat: str, champ_date: str, verbe: str):
    def compter(dossiers, *, maintenant, limite: int) -> dict:
        from .models import Convention

        qs = (Convention.objects.filter(candidature__in=dossiers.values("pk"), etat=etat)
              .select_related("candidature__ght", "candidature__entite_juridique").order_by(champ_date, "pk"))
        return etapes.compte(qs, limite=limite, ligne=lambda cv: (
            reverse("conventions:detail", args=[cv.candidature_id]),
            f"{cv.numero} — {cv.candidature.structure_libelle}, {verbe} le {date_courte(getattr(cv, champ_date), '')}"))
    return compter


def _ouvrir_convention(candidature, *, acteur=None):
    from .services import convention_creer

    return convention_creer(candidature=candidature)


def enregistrer() -> None:
    from . import rappels
    from .models import Convention

    etapes.enregistrer_etape(etapes.Etape(
        code="convention", ordre=30, libelle="Convention", couleur="#009081",
        champs=("etat", "convention__etat"), classer=_classer_convention, situer=_situer_convention))
    etapes.enregistrer_entrees(
        etapes.Entree("Conventions", "conventions:liste", 20, lambda h: h.est_ans or h.est_ars,
                      groupe="Candidatures"),
        etapes.Entree("Conventions à envoyer", "conventions:liste", 30,
                      lambda h: h.a(Role.ADMIN_ANS, Role.SECRETARIAT_ANS), requete="etat=a_generer",
                      groupe="Candidatures"),
        etapes.Entree("Conventions à contresigner", "conventions:contresigner", 30,
                      lambda h: Role.DG_ANS in h.roles, groupe="Candidatures"),
    )
    etapes.enregistrer_compteurs(
        etapes.Compteur("a_renvoyer", "conventions expirées sans signature, à renvoyer", "convention",
                        _conventions(Convention.Etat.EXPIREE, "expiree_le", "expirée")),
        etapes.Compteur("a_contresigner", "conventions signées par l'établissement, à contresigner", "convention",
                        _conventions(Convention.Etat.SIGNEE_ES, "signee_es_le", "signée")),
    )
    etapes.enregistrer_ouverture(etapes.Ouverture(apres="instruction", etape="convention", ouvrir=_ouvrir_convention))
    etapes.enregistrer_recherche("convention__numero")  # the agents' search (care_portal.bureau.recherche)
    rappels.enregistrer()
