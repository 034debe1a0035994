"""Lock the documents that an existing snapshot (``Instantane``) refers to: from now on a submission
locks them (``declaration_deposer``); the dossiers submitted before get the same guarantee — a document
a snapshot lists is never deleted nor replaced in place, so its bytes stay in storage."""

from django.db import migrations
from django.utils import timezone


def verrouiller(apps, schema_editor):
    Instantane = apps.get_model("declarations", "Instantane")
    Document = apps.get_model("documents", "Document")
    ids = set()
    for documents in Instantane.objects.values_list("documents", flat=True).iterator():
        for groupe in ("preuves", "justificatifs"):
            ids.update(ref["id"] for ref in (documents or {}).get(groupe, []) if ref.get("id"))
    if ids:
        Document.objects.filter(pk__in=ids, verrouille=False).update(verrouille=True, verrouille_le=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0002_instantane_en_ajout_seul"),
        ("documents", "0002_telechargements_en_ajout_seul"),
    ]

    operations = [migrations.RunPython(verrouiller, migrations.RunPython.noop)]
