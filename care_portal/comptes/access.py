"""How a view declares the roles it serves (the README's "access pattern").

    @roles_requis(Role.REFERENT_ARS)
    def file_ars(request): ...

    class CandidatureDetailView(RolesRequisMixin, DetailView):
        roles = {Role.REFERENT_ES, Role.REFERENT_ARS}

An anonymous user is sent to the login page; a logged-in user without one of the roles gets
the 403 page (the page itself is not secret; the *objects* are, and selectors answer 404 for them).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .selectors import habilitations


def _verifier(request, roles) -> None:
    if not habilitations(request.user).a(*roles):
        raise PermissionDenied("Cette page est réservée à d'autres profils.")


def roles_requis(*roles: str):
    def decorateur(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            _verifier(request, roles)
            return view(request, *args, **kwargs)

        wrapper.roles_requis = frozenset(roles)
        return wrapper

    return decorateur


class RolesRequisMixin:
    roles: set[str] = set()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        _verifier(request, self.roles)
        return super().dispatch(request, *args, **kwargs)
