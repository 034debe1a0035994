"""On PostgreSQL, a trigger refuses UPDATE and DELETE on the log: append-only even outside the ORM."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION workflow_journal_immuable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'Le journal des transitions est en ajout seul : ' || TG_OP || ' refusé';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflow_transitionlog_immuable
  BEFORE UPDATE OR DELETE ON workflow_transitionlog
  FOR EACH ROW EXECUTE FUNCTION workflow_journal_immuable();
"""
DROP = """
DROP TRIGGER IF EXISTS workflow_transitionlog_immuable ON workflow_transitionlog;
DROP FUNCTION IF EXISTS workflow_journal_immuable();
"""


def creer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
    # SQLite (embedded default): the model's guard only; test flushes there use DELETE, which a
    # trigger would refuse, while PostgreSQL flushes with TRUNCATE, which row triggers do not see.


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(creer, supprimer)]
