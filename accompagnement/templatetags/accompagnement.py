"""``{% lien_aide %}``: the « Demander de l'aide » entry point of every dossier page (base.html). It finds
the dossier in the page's context (a candidature, or an object of a stage that hangs on one: convention,
declaration, control, payment) and shows the link to the ES members of its structure only."""

from __future__ import annotations

from django import template

from care_portal.core import etapes

register = template.Library()

CLES = ("candidature", "c", "cand", "d", "cv", "p", "controle", "declaration", "convention", "paiement")


def dossier_du_contexte(context):
    modele = etapes.modele_dossier()
    for cle in CLES:
        objet = context.get(cle)
        if objet is None:
            continue
        if isinstance(objet, modele):
            return objet
        dossier = getattr(objet, "candidature", None)
        if isinstance(dossier, modele):
            return dossier
    return None


@register.inclusion_tag("accompagnement/_lien_aide.html", takes_context=True)
def lien_aide(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"dossier": None}
    dossier = dossier_du_contexte(context)
    if dossier is None:
        return {"dossier": None}
    from accompagnement.selectors import peut_demander

    return {"dossier": dossier if peut_demander(user, dossier) else None}
