"""Append-only tables (the transition log, the download log…): written once, never updated nor deleted.

Two guards, so that neither the ORM nor raw SQL can rewrite history:
- ``AjoutSeul``, an abstract model whose ``save()`` refuses an update and ``delete()`` refuses;
- ``operation_declencheur(table, libelle)``, a migration operation that installs, on PostgreSQL, a
  trigger refusing UPDATE and DELETE. SQLite (the embedded default) keeps the model's guard only:
  test flushes there use DELETE, which a trigger would refuse, while PostgreSQL flushes with
  TRUNCATE, which row triggers do not see.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import migrations, models


class AjoutSeul(models.Model):
    #: raised on an update or a delete; each table names its own
    exception_ajout_seul: type[Exception] = Exception
    message_modification = "Ce journal est en ajout seul."
    message_suppression = "Ce journal est en ajout seul."

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise self.exception_ajout_seul(self.message_modification)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.exception_ajout_seul(self.message_suppression)


def nom_declencheur(table: str) -> str:
    return f"{table}_immuable"


@contextmanager
def declencheur_suspendu(schema_editor, table: str):
    """Inside a migration: on PostgreSQL, ``table``'s append-only trigger (``operation_declencheur``) is set
    aside for the statements of the block only, inside the migration's transaction. No ``finally``: a failed
    statement aborts the transaction, which rolls the DISABLE back with it."""
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {nom_declencheur(table)}")
    yield
    if postgres:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {nom_declencheur(table)}")


def operation_declencheur(table: str, libelle: str) -> migrations.RunPython:
    """Migration operation: on PostgreSQL, a trigger on ``table`` refusing UPDATE and DELETE with
    the message « <libelle> est en ajout seul : <opération> refusé »."""
    fonction = nom_declencheur(table)
    creer_sql = f"""
CREATE OR REPLACE FUNCTION {fonction}() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = '{libelle} est en ajout seul : ' || TG_OP || ' refusé';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {fonction}
  BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION {fonction}();
"""
    supprimer_sql = f"""
DROP TRIGGER IF EXISTS {fonction} ON {table};
DROP FUNCTION IF EXISTS {fonction}();
"""

    def creer(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(creer_sql)

    def supprimer(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(supprimer_sql)

    return migrations.RunPython(creer, supprimer)


def operation_renommer_codes(renommages: dict[str, str]) -> migrations.RunPython:
    """Migration operation: rename log codes (``TransitionLog.code``, exact values; reversible), e.g. when
    the codes of an app settle on one tense. The log is append-only: on PostgreSQL its trigger is set aside
    for these statements only, inside the migration's transaction; only the code changes, never who did
    what or when."""

    def renommer(schema_editor, paires) -> None:
        with declencheur_suspendu(schema_editor, "workflow_transitionlog"):
            for ancien, nouveau in paires:
                schema_editor.execute("UPDATE workflow_transitionlog SET code = %s WHERE code = %s", [nouveau, ancien])

    def avancer(apps, schema_editor):
        renommer(schema_editor, renommages.items())

    def reculer(apps, schema_editor):
        renommer(schema_editor, [(nouveau, ancien) for ancien, nouveau in renommages.items()])

    return migrations.RunPython(avancer, reculer)
