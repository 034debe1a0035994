import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from candidatures.models import StructureSunes

pytestmark = pytest.mark.django_db


def test_import_latin1_point_virgule_idempotent(tmp_path, capsys):
    f = tmp_path / "sunes.csv"
    f.write_bytes("N° FINESS;Raison sociale\n010000024;CH de Bourg-en-Bresse\n10780054;Hôpital d'Ambérieu\n"
                  .encode("latin-1"))
    call_command("import_sunes", str(f))
    assert set(StructureSunes.objects.values_list("finess", flat=True)) == {"010000024", "010780054"}
    assert StructureSunes.objects.get(finess="010780054").libelle == "Hôpital d'Ambérieu"
    call_command("import_sunes", str(f))
    out = capsys.readouterr().out
    assert "0 créée(s), 0 mise(s) à jour, 2 inchangée(s), 0 rejetée(s)" in out
    assert StructureSunes.objects.count() == 2


def test_lignes_invalides_rapportees_le_reste_importe(tmp_path, capsys):
    f = tmp_path / "sunes.csv"
    f.write_text("finess,nom\n010000024,A\n010000025,B\nabc,C\n010000024,D\n870000015,E\n", encoding="utf-8")
    with pytest.raises(CommandError, match="3 ligne"):
        call_command("import_sunes", str(f))
    err = capsys.readouterr().err
    assert "ligne 3 : " in err and "clé de contrôle" in err
    assert "ligne 5 : le numéro FINESS 010000024 apparaît deux fois" in err
    assert set(StructureSunes.objects.values_list("finess", flat=True)) == {"010000024", "870000015"}


def test_fichier_absent_ou_sans_colonne(tmp_path):
    with pytest.raises(CommandError, match="Impossible de lire"):
        call_command("import_sunes", str(tmp_path / "absent.csv"))
    f = tmp_path / "x.csv"
    f.write_text("a;b\n1;2\n")
    with pytest.raises(CommandError, match="Aucune colonne FINESS"):
        call_command("import_sunes", str(f))
