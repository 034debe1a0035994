#!/usr/bin/env python
"""Django's command-line utility for the eCaRE portal."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care_portal.settings.base")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line
        from django.db.utils import OperationalError
    except ImportError as exc:  # pragma: no cover - environment problem
        raise ImportError("Django est introuvable : lancez « make install » (ou activez .venv).") from exc
    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration invalide : {exc}\n")
        sys.exit(2)
    except OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        sys.stderr.write(
            "Base de données injoignable : vérifiez DATABASE_URL "
            f"(serveur démarré, base créée, droits). Détail : {first_line}\n"
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
