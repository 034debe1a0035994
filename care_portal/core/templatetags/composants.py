"""DSFR components drawn by django-dsfr's own templates, with the data our pages have at hand.

- ``fil_ariane``: the breadcrumb (django-dsfr's ``dsfr/breadcrumb.html``). Its first link, « Accueil »,
  leads to the user's own home (their dashboard or space), the public home for a visitor.

        {% load composants %}
        {% fil_ariane "Candidatures" candidatures_url "Candidature de "|add:nom dossier_url courant="Objectifs" %}

  Links come as (label, url) pairs; a pair whose url is empty is left out (a level the user may not open).

The pagination stays ours (``candidatures/_pagination.html``, one template for every list): django-dsfr's
tag only knows the ``page`` parameter, while some pages hold two paginated lists (``cle_page``), and ours
marks the first/previous links of the first page ``aria-disabled`` as the DSFR documentation shows.
"""

from __future__ import annotations

from django import template

register = template.Library()


def _accueil(context) -> str:
    interface = context.get("interface")
    if isinstance(interface, dict):
        return interface.get("accueil_url") or "/"
    return getattr(interface, "accueil_url", None) or "/"


@register.inclusion_tag("dsfr/breadcrumb.html", takes_context=True)
def fil_ariane(context, *liens, courant: str) -> dict:
    if len(liens) % 2:
        raise template.TemplateSyntaxError("fil_ariane : les liens vont par paires (libellé, adresse).")
    paires = [{"title": liens[i], "url": liens[i + 1]} for i in range(0, len(liens), 2) if liens[i + 1]]
    return {"self": {"links": paires, "current": courant, "root_dir": _accueil(context), "id": "fil-ariane"}}
