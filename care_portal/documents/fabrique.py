"""The portal's own documents (receipts, convention and its signed versions, control attestation and
report, SEPA transfer file): made once per key, stored through ``document_deposer``, their bytes
erased in one place when what stored them fails.

- ``fabriquer``: the document of a key (e.g. « the receipt of the submission of 10 January 10:00 »),
  made only when it does not exist yet. ``existant`` says whether it does (called before the work,
  then again under the owner's row lock); ``produire`` gives the bytes (a WeasyPrint render, a SEPA
  archive…), outside any transaction since it is slow; ``lier`` records what the stage keeps with it
  (its link row, its log line, an e-mail), in the same transaction as the document. Two runs at once
  are serialised by the row lock; when the stage's unique constraint still refuses the second one
  (an ``IntegrityError``: a concurrent run kept its document first) its bytes are erased and the
  winner's document is returned (``gagnant``, by default ``existant``).
- ``atelier``: a transaction in which documents are stored (``deposer``, or ``document_deposer`` for
  an upload) among other writes (a sealed convention, a transfer batch): if the block fails, every
  document stored in it has its bytes erased. Nested, a block's documents are erased too when the
  enclosing block fails.
- ``deposer``: store bytes made by the portal as a locked document (``acteur`` None), within the
  current ``atelier``.

A document whose transaction rolls back after the block (the commit of an enclosing transaction
that is not an ``atelier``) leaves bytes that ``orphelins_nettoyer`` removes later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction

from .models import Document
from .services import STOCKES_DANS_L_ATELIER as _STOCKES
from .services import document_deposer, effacer_contenu


@contextmanager
def atelier() -> Iterator[None]:
    """``transaction.atomic()`` whose documents (``deposer``, and any ``document_deposer`` of an upload
    within it) lose their bytes if it fails."""
    parent = _STOCKES.get()
    stockes: list[str] = []
    jeton = _STOCKES.set(stockes)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for cle in stockes:
            effacer_contenu(cle)
        raise
    finally:
        _STOCKES.reset(jeton)
    if parent is not None:  # kept by this block: still the enclosing block's to erase if it fails
        parent.extend(stockes)


def deposer(proprietaire: models.Model, categorie: str, contenu: bytes, *, nom: str) -> Document:
    """Store ``contenu`` as a locked document of ``proprietaire`` written by the portal; within an
    ``atelier``, its bytes are erased if the block fails."""
    return document_deposer(fichier=ContentFile(contenu, name=nom), acteur=None, proprietaire=proprietaire,
                            categorie=categorie, verrouille=True)


def _document(document_ou_id) -> Document | None:
    if document_ou_id is None or isinstance(document_ou_id, Document):
        return document_ou_id
    return Document.tous.get(pk=document_ou_id)


def _verrouiller_ligne(proprietaire: models.Model) -> models.Model:
    return type(proprietaire)._default_manager.select_for_update().get(pk=proprietaire.pk)


def fabriquer(
    proprietaire: models.Model,
    categorie: str,
    produire: Callable[[], bytes],
    *,
    nom: str | Callable[[models.Model], str],
    existant: Callable[[models.Model], Document | object | None],
    lier: Callable[[models.Model, Document], object] | None = None,
    gagnant: Callable[[models.Model], Document | object | None] | None = None,
    verrouiller: Callable[[models.Model], models.Model] = _verrouiller_ligne,
) -> Document:
    """The document of a key of ``proprietaire``: the existing one (``existant``: a document, its id or
    None), or the bytes of
    ``produire()`` stored under ``categorie`` as ``nom`` (a name, or a function of the locked owner),
    then ``lier(owner, document)`` in the same transaction. Generated at most once per key even when
    the task runs twice or twice at once; on any failure nothing is kept, bytes included."""
    document = _document(existant(proprietaire))
    if document is not None:
        return document
    contenu = produire()
    try:
        with atelier():
            verrou = verrouiller(proprietaire)
            document = _document(existant(verrou))
            if document is not None:  # a concurrent run stored it while we were producing ours
                return document
            document = deposer(verrou, categorie, contenu, nom=nom(verrou) if callable(nom) else nom)
            if lier is not None:
                lier(verrou, document)
    except IntegrityError:
        # the stage's unique constraint: a concurrent run kept its document first (ours is erased)
        document = _document((gagnant or existant)(proprietaire))
        if document is None:
            raise
    return document
