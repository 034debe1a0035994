"""A minimal clamd client: the INSTREAM command over a Unix socket or TCP.

Protocol (clamd(8)): send ``zINSTREAM\\0``, then chunks each prefixed by its length as a 4-byte
big-endian integer, then a zero length; clamd answers ``stream: OK``, ``stream: <name> FOUND``
or ``… ERROR`` (e.g. ``INSTREAM size limit exceeded``: raise clamd's ``StreamMaxLength`` to at
least CARE_DOCUMENTS_TAILLE_MAX). The file is streamed in blocks: memory does not grow with
its size.

Configured by CLAMD_SOCKET (path) or CLAMD_HOST/CLAMD_PORT; neither set = no scanning.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings

TAILLE_BLOC = 64 * 1024


class ClamdErreur(Exception):
    """clamd unreachable or answering an error: the scan must be retried."""


@dataclass(frozen=True)
class ResultatAnalyse:
    infecte: bool
    signature: str = ""


def clamd_configure() -> bool:
    return bool(getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", ""))


def _connexion() -> socket.socket:
    delai = getattr(settings, "CLAMD_TIMEOUT", 120)
    if settings.CLAMD_SOCKET:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(delai)
        try:
            s.connect(settings.CLAMD_SOCKET)
        except OSError:
            s.close()
            raise
        return s
    return socket.create_connection((settings.CLAMD_HOST, settings.CLAMD_PORT), timeout=delai)


def _lire_reponse(s: socket.socket) -> str:
    morceaux = []
    while True:
        morceau = s.recv(4096)
        if not morceau:
            break
        morceaux.append(morceau)
        if morceau.endswith(b"\0"):
            break
    return b"".join(morceaux).rstrip(b"\0").decode("utf-8", "replace").strip()


def commande(nom: str) -> str:
    """Send a simple command (PING, VERSION) and return clamd's answer."""
    try:
        with _connexion() as s:
            s.sendall(f"z{nom}\0".encode())
            return _lire_reponse(s)
    except OSError as exc:
        raise ClamdErreur(f"clamd injoignable : {exc}") from exc


def analyser_flux(flux: BinaryIO, *, taille_bloc: int = TAILLE_BLOC) -> ResultatAnalyse:
    """Stream ``flux`` to clamd and return its verdict; ``ClamdErreur`` when there is none."""
    try:
        with _connexion() as s:
            s.sendall(b"zINSTREAM\0")
            try:
                while bloc := flux.read(taille_bloc):
                    s.sendall(struct.pack("!L", len(bloc)))
                    s.sendall(bloc)
                s.sendall(struct.pack("!L", 0))
            except (BrokenPipeError, ConnectionResetError):
                pass  # clamd stopped reading (size limit): its answer says why
            reponse = _lire_reponse(s)
    except OSError as exc:
        raise ClamdErreur(f"clamd injoignable : {exc}") from exc
    return interpreter_reponse(reponse)


def interpreter_reponse(reponse: str) -> ResultatAnalyse:
    corps = reponse.split(":", 1)[1].strip() if reponse.startswith("stream:") else reponse
    if corps == "OK":
        return ResultatAnalyse(infecte=False)
    if corps.endswith(" FOUND"):
        return ResultatAnalyse(infecte=True, signature=corps[: -len(" FOUND")].strip()[:255])
    raise ClamdErreur(f"réponse de clamd inattendue : {reponse or '(vide)'}")
