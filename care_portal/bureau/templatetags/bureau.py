"""The dossier's panel of the agents' desk, for the dossier pages:

    {% load bureau %}
    {% panneau_bureau dossier %}            {# dossier: the Candidature #}

It renders, for an agent who sees the dossier (ARS of its region, ANS): the assignee (« Prendre le
dossier », « Affecter à » a colleague of the same agency, « Retirer l'affectation »), the other agency's
assignee, follow / unfollow, the private notes with the form to add one (mentions), and the agency's
labels (add / remove). For anyone else — an establishment user, another region's agent — it renders
nothing and reads nothing of the desk. Its forms post to the ``bureau:*`` views and come back to the
current page (``retour``), anchor ``#bureau``. Needs the ``request`` in the context.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from .. import selectors
from ..forms import NoteForm

register = template.Library()


@register.simple_tag(takes_context=True)
def panneau_bureau(context, dossier) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if dossier is None or user is None or not user.is_authenticated:
        return ""
    p = selectors.panneau(user, dossier)
    if p is None:
        return ""
    return render_to_string("bureau/_panneau.html", {
        "p": p, "retour": request.get_full_path(),
        "form_note": NoteForm(mentionnables=None),
    }, request=request)
