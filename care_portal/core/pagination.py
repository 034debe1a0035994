"""One way to paginate a list page (no list is cut silently): the page asked for in ``?page=``, the
DSFR page range, and the other GET parameters kept in the links (templates/candidatures/_pagination.html
renders them: ``page_obj``, ``pages``, ``parametres``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest


def paginer(request: HttpRequest, objets, par_page: int, *, cle: str = "page") -> dict:
    """The context of one page of ``objets`` (a queryset, ordered, or a list): ``page_obj``, ``pages``,
    ``parametres`` (the query string without the page), and ``nombre`` (the total count)."""
    return contexte(request, Paginator(objets, par_page).get_page(request.GET.get(cle)), cle=cle)


def contexte(request: HttpRequest, page, *, cle: str = "page") -> dict:
    """The same context for a page a selector already cut (``Paginator(...).get_page(...)``)."""
    autres = request.GET.copy()
    autres.pop(cle, None)
    return {"page_obj": page, "pages": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "parametres": autres.urlencode(), "nombre": page.paginator.count}
