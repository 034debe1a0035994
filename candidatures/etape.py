"""How the candidatures app plugs into the lifecycle (care_portal.core.etapes): the stages
« Candidature », « Instruction par l'ARS » and « Convention », their menu entries, reminders and
dashboard counts. Called once from the app's ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from care_portal.comptes.roles import Role
from care_portal.core import etapes


def _classer_candidature(v: dict) -> tuple[str, str] | None:
    from .models import Candidature

    E = Candidature.Etat
    etat = v.get("etat")
    if etat in (E.BROUILLON, E.RETIREE):
        return "candidature", E(etat).label
    if etat in (E.DEPOSEE, E.COMPLEMENT_DEMANDE, E.REJETEE):
        return "instruction", E(etat).label
    return None


def _classer_convention(v: dict) -> tuple[str, str] | None:
    from .models import Candidature, Convention

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


def _situer_convention(c) -> etapes.Situation | None:
    from .models import Candidature, Convention

    if c.etat != Candidature.Etat.COMPLETE:
        return None
    C = Convention.Etat
    cv = _convention_de(c)
    lien = reverse("candidatures:convention", args=[c.pk])
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


def _jour(d) -> str:
    return f"{timezone.localtime(d):%d/%m/%Y}" if d else ""


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
                         f"{c.structure_libelle} — déposée le {_jour(c.deposee_le)} "
                         f"(il y a {(maintenant - c.deposee_le).days} jours)"))


def _conventions(etat: str, champ_date: str, verbe: str):
    def compter(dossiers, *, maintenant, limite: int) -> dict:
        from .models import Convention

        qs = (Convention.objects.filter(candidature__in=dossiers.values("pk"), etat=etat)
              .select_related("candidature__ght", "candidature__entite_juridique").order_by(champ_date, "pk"))
        return etapes.compte(qs, limite=limite, ligne=lambda cv: (
            reverse("candidatures:convention", args=[cv.candidature_id]),
            f"{cv.numero} — {cv.candidature.structure_libelle}, {verbe} le {_jour(getattr(cv, champ_date))}"))
    return compter


def _ouvrir_convention(candidature, *, acteur=None):
    from .services_convention import convention_creer

    return convention_creer(candidature=candidature)


def _ars(h) -> bool:
    return h.est_ars


def enregistrer() -> None:
    from . import rappels

    etapes.enregistrer_etape(etapes.Etape(
        code="candidature", ordre=10, libelle="Candidature", couleur="#6a6af4",
        champs=("etat",), classer=_classer_candidature, situer=_situer_candidature))
    etapes.enregistrer_etape(etapes.Etape(
        code="instruction", ordre=20, libelle="Instruction par l'ARS", couleur="#c3992a"))
    etapes.enregistrer_etape(etapes.Etape(
        code="convention", ordre=30, libelle="Convention", couleur="#009081",
        champs=("etat", "convention__etat"), classer=_classer_convention, situer=_situer_convention))
    etapes.enregistrer_entrees(
        etapes.Entree("Mes candidatures", "candidatures:mes_candidatures", 10, lambda h: h.est_es),
        etapes.Entree("Candidatures à instruire", "candidatures:file", 10, _ars),
        etapes.Entree("Candidatures et conventions", "candidatures:file", 10, lambda h: h.est_ans and not h.est_ars,
                      groupe="Candidatures"),
        etapes.Entree("Conventions à envoyer", "candidatures:file", 30,
                      lambda h: h.a(Role.ADMIN_ANS, Role.SECRETARIAT_ANS), requete="convention=a_generer",
                      groupe="Candidatures"),
        etapes.Entree("Conventions à contresigner", "candidatures:contresigner", 30,
                      lambda h: Role.DG_ANS in h.roles, groupe="Candidatures"),
    )
    from django.conf import settings

    from .models import Convention

    delai = settings.CARE_RAPPEL_ARS_ATTENTE_JOURS
    etapes.enregistrer_compteurs(
        etapes.Compteur("attente", f"candidatures en attente de décision depuis plus de {delai} jours",
                        "instruction", _attente_ars),
        etapes.Compteur("a_renvoyer", "conventions expirées sans signature, à renvoyer", "convention",
                        _conventions(Convention.Etat.EXPIREE, "expiree_le", "expirée")),
        etapes.Compteur("a_contresigner", "conventions signées par l'établissement, à contresigner", "convention",
                        _conventions(Convention.Etat.SIGNEE_ES, "signee_es_le", "signée")),
    )
    etapes.enregistrer_ouverture(etapes.Ouverture(apres="instruction", etape="convention", ouvrir=_ouvrir_convention))
    # the agents' search (care_portal.bureau.recherche): the structure (EJ, GHT, the perimeter's EJ and
    # establishments, their FINESS), the dossier's people (contacts, signatory, who opened it), the convention
    etapes.enregistrer_recherche(
        "entite_juridique__raison_sociale", "entite_juridique__finess", "ght__nom", "ght__code",
        "perimetre__libelle", "perimetre__finess",
        "perimetre__entite_juridique__etablissements__raison_sociale",
        "perimetre__entite_juridique__etablissements__finess",
        "referent_nom", "referent_email", "dsi_nom", "dsi_email", "rssi_nom", "rssi_email",
        "signataire_nom", "signataire_email", "cree_par__prenom", "cree_par__nom", "cree_par__email",
        "convention__numero",
    )
    rappels.enregistrer()
