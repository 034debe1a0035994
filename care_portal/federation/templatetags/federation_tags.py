from django import template

from ..config import fournisseurs_actifs

register = template.Library()


@register.inclusion_tag("federation/_boutons.html")
def boutons_federation(suivant: str = ""):
    """The login buttons of the configured providers (none configured: nothing is shown)."""
    return {"fournisseurs": fournisseurs_actifs(), "next": suivant}
