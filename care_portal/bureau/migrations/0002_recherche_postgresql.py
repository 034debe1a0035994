"""PostgreSQL: the extensions of the agents' search (unaccent, pg_trgm: care_portal/bureau/recherche.py)
and the append-only trigger of the private notes. Nothing on SQLite: the search registers its own
UNACCENT function there, and the note model refuses updates and deletes itself."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

from care_portal.workflow.ajout_seul import operation_declencheur


class SurPostgresqlSeulement:
    """CreateExtension forwards only on PostgreSQL; backwards, leave the extension (other schemas may
    use it) and never run DROP EXTENSION on another database."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        return None


class Unaccent(SurPostgresqlSeulement, UnaccentExtension):
    pass


class Trigramme(SurPostgresqlSeulement, TrigramExtension):
    pass


class Migration(migrations.Migration):

    dependencies = [
        ("bureau", "0001_initial"),
    ]

    operations = [
        Unaccent(),
        Trigramme(),
        operation_declencheur("bureau_note", "Une note privée"),
    ]
