"""A private clamd for tests and the upload benchmark (TOOLING.md: no signature download here).

It loads one local hash signature, the EICAR test file's, from a temporary directory and listens
on a temporary Unix socket. ``StreamMaxLength`` is raised above the portal's 200 MB limit.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE_EICAR = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature-Local"


def binaire_clamd() -> str | None:
    return shutil.which("clamd") or next(
        (p for p in ("/usr/sbin/clamd", "/usr/local/sbin/clamd") if os.access(p, os.X_OK)), None
    )


@dataclass
class ClamdLocal:
    processus: subprocess.Popen
    socket: str
    dossier: Path

    def arreter(self) -> None:
        self.processus.terminate()
        try:
            self.processus.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.processus.kill()
            self.processus.wait(timeout=5)
        shutil.rmtree(self.dossier, ignore_errors=True)


def _repond(chemin: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(chemin)
            s.sendall(b"zPING\0")
            return s.recv(16).startswith(b"PONG")
    except OSError:
        return False


def demarrer_clamd(delai: float = 60) -> ClamdLocal:
    """Start clamd in the foreground on a temporary socket; RuntimeError when it does not answer."""
    binaire = binaire_clamd()
    if binaire is None:
        raise FileNotFoundError("clamd introuvable (apt-get install -y clamav-daemon)")
    dossier = Path(tempfile.mkdtemp(prefix="ecare-clamd-"))
    (dossier / "db").mkdir()
    (dossier / "db" / "eicar.hdb").write_text(SIGNATURE_EICAR + "\n")
    chemin_socket = str(dossier / "clamd.sock")
    (dossier / "clamd.conf").write_text(
        "\n".join([
            f"DatabaseDirectory {dossier / 'db'}",
            f"LocalSocket {chemin_socket}",
            f"TemporaryDirectory {dossier}",
            f"LogFile {dossier / 'clamd.log'}",
            "Foreground yes",
            "StreamMaxLength 400M",
            "MaxScanSize 400M",
            "MaxFileSize 400M",
            "",
        ])
    )
    with open(dossier / "clamd.out", "wb") as sortie:
        processus = subprocess.Popen(
            [binaire, "-c", str(dossier / "clamd.conf")], stdout=sortie, stderr=subprocess.STDOUT,
        )
    fin = time.monotonic() + delai
    while time.monotonic() < fin:
        if processus.poll() is not None:
            erreur = (dossier / "clamd.out").read_text(errors="replace")[-2000:]
            shutil.rmtree(dossier, ignore_errors=True)
            raise RuntimeError(f"clamd s'est arrêté au démarrage : {erreur}")
        if os.path.exists(chemin_socket) and _repond(chemin_socket):
            return ClamdLocal(processus=processus, socket=chemin_socket, dossier=dossier)
        time.sleep(0.2)
    ClamdLocal(processus=processus, socket=chemin_socket, dossier=dossier).arreter()
    raise RuntimeError(f"clamd ne répond pas après {delai:.0f} s")
