"""The convention's models leave this app (issue 15): conventions 0001 took over their tables with their
rows; here they are only removed from this app's state (nothing is written to the database)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("candidatures", "0006_date_audit_exposition"),
        ("conventions", "0001_initial"),
        ("paiement", "0003_convention_dans_conventions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ElementContresignature"),
                migrations.DeleteModel(name="LotContresignature"),
                migrations.DeleteModel(name="CodeSignature"),
                migrations.DeleteModel(name="RappelFournisseur"),
                migrations.DeleteModel(name="Convention"),
            ],
        ),
    ]
