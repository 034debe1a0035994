"""The portal's PDFs (receipts, conventions, attestations, control reports) are laid out by WeasyPrint
from HTML that carries everything it needs (styles inline, no image or font to fetch): a document
never loads an external resource, so a template cannot leak a request nor depend on the network.
Their templates extend ``templates/pdf/base.html`` (the page, its running header and footer, fonts,
headings, tables); storing them once is ``care_portal.documents.fabrique``'s job."""

from __future__ import annotations


def aucune_ressource(url: str, *args, **kwargs):
    raise ValueError(f"Un document PDF du portail ne charge aucune ressource externe ({url}).")


def document_html(html: str):
    """The WeasyPrint document of ``html`` (``.write_pdf()`` gives the bytes, ``.render()`` the pages)."""
    import weasyprint  # heavy import (0.7–1 s): only where a PDF is made

    return weasyprint.HTML(string=html, url_fetcher=aucune_ressource)
