"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the download log: append-only even outside the ORM."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION documents_telechargement_immuable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'Le journal des téléchargements est en ajout seul : ' || TG_OP || ' refusé';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_telechargement_immuable
  BEFORE UPDATE OR DELETE ON documents_telechargement
  FOR EACH ROW EXECUTE FUNCTION documents_telechargement_immuable();
"""
DROP = """
DROP TRIGGER IF EXISTS documents_telechargement_immuable ON documents_telechargement;
DROP FUNCTION IF EXISTS documents_telechargement_immuable();
"""


def creer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
    # SQLite (embedded default): the model's guard only (test flushes there use DELETE).


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(creer, supprimer)]
