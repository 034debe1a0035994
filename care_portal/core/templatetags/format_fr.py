"""Template filters for French formatting: ``{% load format_fr %}`` then ``{{ total|montant }}``,
``{{ part|pourcentage }}``, ``{{ n|nombre }}``, ``{{ n|pluriel:"jour" }}``, ``{{ libelle|minuscule_initiale }}``.
The rules live in ``care_portal.core.format_fr`` so that messages built in Python say the same thing."""

from django import template

from care_portal.core import format_fr

register = template.Library()


@register.filter
def montant(valeur, decimales=2) -> str:
    return format_fr.montant(valeur, int(decimales))


@register.filter
def pourcentage(valeur, decimales=None) -> str:
    return format_fr.pourcentage(valeur, None if decimales in (None, "") else int(decimales))


@register.filter
def nombre(valeur, decimales=None) -> str:
    return format_fr.nombre(valeur, None if decimales in (None, "") else int(decimales))


@register.filter
def pluriel(n, formes: str) -> str:
    """``{{ n|pluriel:"jour" }}`` → « 1 jour », « 3 jours »; ``{{ n|pluriel:"cheval,chevaux" }}``."""
    singulier, _, forme_plurielle = formes.partition(",")
    return format_fr.pluriel(int(n or 0), singulier, forme_plurielle or None)


@register.filter
def minuscule_initiale(texte) -> str:
    return format_fr.minuscule_initiale(texte)


@register.filter
def accord(valeur, suffixes: str = "s") -> str:
    """Django's ``pluralize`` with the French rule: 0 and 1 take the singular. ``{{ n|accord }}`` → « s »
    from 2 on; ``{{ n|accord:"al,aux" }}``; a list or a queryset counts its items."""
    singulier, virgule, pluriel_ = suffixes.rpartition(",") if "," in suffixes else ("", "", suffixes)
    try:
        n = len(valeur) if hasattr(valeur, "__len__") and not isinstance(valeur, str) else int(valeur or 0)
    except (TypeError, ValueError):
        return ""
    return pluriel_ if abs(n) >= 2 else singulier
