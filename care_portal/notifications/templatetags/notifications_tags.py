"""The header's notification centre (base.html) and the HTML layout of the e-mails."""

from __future__ import annotations

from django import template
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

DERNIERES = 5  # unread notices listed in the header's menu


@register.filter
def texte_en_html(texte: str) -> SafeString:
    """An e-mail's text as HTML paragraphs, its links clickable (escaped first: the text is not trusted)."""
    return mark_safe(linebreaks(urlize(escape(texte or ""), autoescape=False), autoescape=False))


@register.inclusion_tag("notifications/_centre.html", takes_context=True)
def centre_notifications(context) -> dict:
    """Unread count and the latest unread notices of the logged-in user (two queries)."""
    from ..selectors import centre_de

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"actif": False}
    centre = centre_de(user, DERNIERES)
    return {"actif": True, "centre": centre, "csrf_token": context.get("csrf_token"),
            "suivant": request.get_full_path() if request is not None else "/"}
