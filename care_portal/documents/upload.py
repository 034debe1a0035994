"""The size limit, enforced while the request body streams in (settings.FILE_UPLOAD_HANDLERS).

``LimiteTailleUploadHandler`` comes first in the handler chain: it counts the bytes of each file
and passes them on to Django's handlers (memory for a small request, a temporary file on disk
otherwise). Past ``CARE_DOCUMENTS_TAILLE_MAX`` it raises ``SkipFile``: the partial temporary
file is closed and deleted, the rest of that file is read and discarded, never written, and the
request carries a French refusal for the field (``refus_upload(request)``) that forms show.

A reverse proxy should also cap the body (nginx ``client_max_body_size``) so that a client
cannot keep the worker busy reading gigabytes that are thrown away.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

ATTRIBUT_REFUS = "_documents_refus_upload"


def taille_max() -> int:
    return settings.CARE_DOCUMENTS_TAILLE_MAX


def taille_max_mo() -> int:
    return max(1, round(taille_max() / (1024 * 1024)))


def message_trop_volumineux() -> str:
    return f"Le fichier est trop volumineux (max {taille_max_mo()} Mo)."


class LimiteTailleUploadHandler(FileUploadHandler):
    """Counts each uploaded file's bytes and skips the file once it exceeds the limit."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limite = taille_max()
        self.recus = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.recus = 0
        if self.content_length is not None and self.content_length > self.limite:
            self._refuser()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.recus += len(raw_data)
        if self.recus > self.limite:
            self._refuser()
        return raw_data

    def file_complete(self, file_size: int):
        return None  # the next handler (memory or temporary file) builds the UploadedFile

    def _refuser(self) -> None:
        if self.request is not None:
            refus = getattr(self.request, ATTRIBUT_REFUS, None)
            if refus is None:
                refus = {}
                setattr(self.request, ATTRIBUT_REFUS, refus)
            refus[self.field_name] = message_trop_volumineux()
        raise SkipFile()


def refus_upload(request) -> dict[str, str]:
    """Field name → French message for each file the handler refused in this request."""
    return dict(getattr(request, ATTRIBUT_REFUS, None) or {})
