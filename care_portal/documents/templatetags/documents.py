"""Template helpers for owners' pages: {% load documents %}."""

from __future__ import annotations

from django import template

from .. import selectors
from ..upload import taille_max_mo
from ..validation import ACCEPT_HTML, FORMATS_ACCEPTES

register = template.Library()


@register.simple_tag
def url_depot(proprietaire, categorie: str) -> str:
    """{% url_depot candidature "rib" as action %}: the upload URL for one piece of a dossier."""
    return selectors.url_depot(proprietaire, categorie)


@register.simple_tag
def consignes_depot() -> str:
    return f"Formats acceptés : {FORMATS_ACCEPTES}. Taille maximale : {taille_max_mo()} Mo."


@register.simple_tag
def formats_acceptes_html() -> str:
    return ACCEPT_HTML
