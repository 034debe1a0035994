"""How the declarations app plugs into the lifecycle (care_portal.core.etapes): the stage
« Déclaration d'atteinte des objectifs », its menu entries and reminders, and its opening when the
convention is countersigned. Called once from the app's ready()."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from care_portal.core import etapes


def _classer(v: dict) -> tuple[str, str] | None:
    from .models import Declaration

    D = Declaration.Etat
    etat = v.get("declaration__etat")
    if not etat:
        return None
    if etat == D.COMPLETE:
        suivante = etapes.suivante("declaration")
        return (suivante.code if suivante else "declaration"), "Déclaration complète, contrôle à ouvrir"
    return "declaration", D(etat).label


def _situer(c) -> etapes.Situation | None:
    from .models import Declaration

    D = Declaration.Etat
    d = Declaration.objects.filter(candidature=c).only("pk", "etat", "deposee_le", "candidature_id").first()
    if d is None:
        return None
    lien = reverse("declarations:detail", args=[d.pk])
    a = c.appel
    if d.etat == D.BROUILLON:
        texte = (f"Déclaration d'atteinte des objectifs à déposer entre le {a.declaration_debut:%d/%m/%Y} "
                 f"et le {a.declaration_fin:%d/%m/%Y}.")
    elif d.etat == D.DEPOSEE:
        texte = f"Déclaration déposée le {timezone.localtime(d.deposee_le):%d/%m/%Y} : l'ARS vérifie qu'elle est complète."
    elif d.etat == D.COMPLEMENT_DEMANDE:
        texte = "L'ARS demande un complément à la déclaration : complétez-la puis déposez-la de nouveau."
    elif d.etat == D.NON_RECEVABLE:
        return etapes.Situation("declaration", D.NON_RECEVABLE.label,
                                "Déclaration non recevable : voir le motif de l'ARS sur la déclaration.", lien, clos=True)
    else:
        suivante = etapes.suivante("declaration")
        return etapes.Situation(suivante.code if suivante else "declaration", "Déclaration complète, contrôle à ouvrir",
                                "Déclaration complète : l'ANS va planifier le contrôle des objectifs.", lien)
    return etapes.Situation("declaration", D(d.etat).label, texte, lien)


def _attente_ars(dossiers, *, maintenant, limite: int) -> dict:
    """Declarations submitted and waiting for the ARS's check longer than the reminder delay."""
    import datetime

    from django.conf import settings

    from .models import Declaration

    delai = settings.CARE_RAPPEL_ARS_ATTENTE_JOURS
    qs = (Declaration.objects.filter(candidature__in=dossiers.values("pk"), etat=Declaration.Etat.DEPOSEE,
                                     deposee_le__lte=maintenant - datetime.timedelta(days=delai))
          .select_related("candidature__ght", "candidature__entite_juridique").order_by("deposee_le", "pk"))
    return etapes.compte(qs, limite=limite, url=reverse("declarations:file") + "?etat=deposee", ligne=lambda d: (
        reverse("declarations:detail", args=[d.pk]),
        f"{d.candidature.structure_libelle} — déposée le {timezone.localtime(d.deposee_le):%d/%m/%Y} "
        f"(il y a {(maintenant - d.deposee_le).days} jours)"))


def _ouvrir(convention, *, acteur=None):
    from .services import declaration_ouvrir_apres_convention

    return declaration_ouvrir_apres_convention(convention=convention, acteur=acteur)


def enregistrer() -> None:
    from . import rappels

    etapes.enregistrer_etape(etapes.Etape(
        code="declaration", ordre=40, libelle="Déclaration d'atteinte des objectifs", couleur="#ce614a",
        champs=("declaration__etat",), classer=_classer, situer=_situer))
    etapes.enregistrer_entrees(
        etapes.Entree("Mes déclarations", "declarations:mes_declarations", 40, lambda h: h.est_es),
        etapes.Entree("Déclarations à vérifier", "declarations:file", 40, lambda h: h.est_ars),
        etapes.Entree("Déclarations", "declarations:file", 40, lambda h: h.est_ans and not h.est_ars),
    )
    etapes.enregistrer_ouverture(etapes.Ouverture(apres="convention", etape="declaration", ouvrir=_ouvrir))
    from django.conf import settings

    etapes.enregistrer_compteurs(etapes.Compteur(
        "declarations_attente",
        f"déclarations en attente de vérification depuis plus de {settings.CARE_RAPPEL_ARS_ATTENTE_JOURS} jours",
        "declaration", _attente_ars))
    rappels.enregistrer()
