"""The DSFR alert a page shows when an action is refused: one shape for every app's templates
(``titre``, an optional ``message``, an optional ``liste`` of reasons, the DSFR ``niveau``), and the
refusal handling that the dossiers' views share."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from care_portal.workflow.services import WorkflowError


def alerte(titre: str, message: str = "", liste: list[str] | None = None, niveau: str = "error") -> dict:
    return {"titre": titre, "message": message, "liste": liste or [], "niveau": niveau}


def erreurs_du_formulaire(form, autres: Iterable[str] = ()) -> list[str]:
    """The messages of a refused form, field by field, then ``autres`` (e.g. refused uploads)."""
    return [*(str(e) for erreurs in form.errors.values() for e in erreurs), *(str(a) for a in autres)]


def action_avec_motif(request: HttpRequest, objet, *, formulaire, nom_form: str, titre: str, service, succes: str,
                      rendre, vers_detail) -> HttpResponse:
    """An instruction action that needs a motive (complement, rejection…): validate it, call
    ``service(objet, motif)``, or re-render the dossier's page (``rendre``) with the alert and the form."""
    form = formulaire(request.POST)
    if not form.is_valid():
        return rendre(request, objet, status=400, **{nom_form: form},
                      alerte=alerte(titre, liste=[str(e) for e in form.errors.get("motif", [])]))
    try:
        service(objet, form.cleaned_data["motif"])
    except WorkflowError as exc:
        return rendre(request, objet, status=400, **{nom_form: form}, alerte=alerte(titre, exc.message))
    messages.success(request, succes)
    return vers_detail(objet)
