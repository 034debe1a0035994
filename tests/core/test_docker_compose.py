"""docker-compose.yml, the Dockerfile and .dockerignore, checked against the code without a Docker engine.

No engine runs on the development machines, so `docker compose up` cannot be the test. These tests
read the three files and check that every service, dependency, command, Python entry point,
environment variable and host name they use exists: a setting renamed in base.py, a misspelled
command or option, a dangling `depends_on` fails here instead of at deployment. The settings are
loaded in a fresh interpreter with the exact environment compose gives the containers, and with
the image's settings module.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
BASE_SETTINGS = ROOT / "care_portal" / "settings" / "base.py"

# Services run from the portal's image; the first three run for good, migrate once.
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING_APP_SERVICES = ("web", "worker", "beat")
# What WeasyPrint needs on Debian (TOOLING.md, scripts/dependances_systeme.sh).
WEASYPRINT_PACKAGES = {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"}
# The only variable compose must be given: a strong secret key, never a default written in the file.
TEST_SECRET_KEY = "test-docker-compose-" + "k3y-" * 15
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
SHELL_OPERATORS = {">", ">>", "2>", "2>&1", "|", "||", "&&", ";"}


# --- reading the files ------------------------------------------------------------------------------

_INTERPOLATION = re.compile(
    r"\$\$"
    r"|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def interpolate(value, env: dict[str, str]):
    """Compose's variable substitution ($$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}).

    Stricter than compose on one point: a variable that is unset and has no default is an error
    here (compose would warn and substitute an empty string)."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op") or "", match.group("arg") or ""
        current = env.get(name)
        missing = current is None or (op.startswith(":") and current == "")
        if missing and op.endswith("-"):
            return arg
        if missing:
            raise KeyError(f"${{{name}}} n'est pas défini ({arg or 'sans valeur par défaut'})")
        return current

    return _INTERPOLATION.sub(substitute, value)


def load_compose() -> dict:
    with COMPOSE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def raw_compose() -> dict:
    return load_compose()


@pytest.fixture(scope="module")
def services(raw_compose) -> dict[str, dict]:
    """The services as the containers see them, DJANGO_SECRET_KEY given and every default applied."""
    return interpolate(raw_compose["services"], {"DJANGO_SECRET_KEY": TEST_SECRET_KEY})


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "KEY=value" list form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def one_shot_services(services: dict) -> set[str]:
    """Services others wait to see *exit* successfully: migrations, bucket creation."""
    return {
        name
        for service in services.values()
        for name, condition in depends_on(service).items()
        if condition == "service_completed_successfully"
    }


def as_argv(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def healthcheck_argv(test) -> list[str]:
    """A compose or Dockerfile healthcheck test as the argv it runs (shell operators cut off)."""
    if isinstance(test, str):
        argv = shlex.split(test)
    elif test[0] == "CMD":
        return [str(part) for part in test[1:]]
    elif test[0] == "CMD-SHELL":
        argv = shlex.split(test[1])
    else:
        raise AssertionError(f"forme de healthcheck inconnue : {test!r}")
    for index, token in enumerate(argv):
        if token in SHELL_OPERATORS:
            return argv[:index]
    return argv


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not current and not stripped):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        keyword, _, arguments = current.strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    assert not current, "le Dockerfile se termine par une ligne continuée"
    return instructions


def dockerfile_env() -> dict[str, str]:
    env = {}
    for keyword, arguments in dockerfile_instructions():
        if keyword != "ENV":
            continue
        tokens = shlex.split(arguments)
        if "=" not in tokens[0]:  # legacy "ENV KEY value"
            env[tokens[0]] = " ".join(tokens[1:])
        else:
            env.update(token.split("=", 1) for token in tokens)
    return env


def dockerfile_runs() -> list[str]:
    return [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]


def dockerfile_exec(keyword: str) -> list[str]:
    """The last CMD, or HEALTHCHECK's command, as an argv (exec form required: signals reach PID 1)."""
    arguments = [args for kw, args in dockerfile_instructions() if kw == keyword][-1]
    if keyword == "HEALTHCHECK":
        arguments = arguments.split(" CMD ", 1)[1] if " CMD " in arguments else arguments.removeprefix("CMD ")
    assert arguments.startswith("["), f"{keyword} doit être sous forme exec (JSON) : {arguments}"
    return json.loads(arguments)


def collectstatic_run() -> tuple[dict[str, str], list[str]]:
    """The build-time collectstatic line: its inline variables and its manage.py argv."""
    runs = [run for run in dockerfile_runs() if "collectstatic" in run]
    assert len(runs) == 1, "le Dockerfile doit lancer collectstatic une fois"
    tokens = shlex.split(runs[0].split("&&")[0])
    inline = {}
    while tokens and re.match(r"^[A-Z_][A-Z0-9_]*=", tokens[0]):
        key, value = tokens.pop(0).split("=", 1)
        inline[key] = value
    return inline, tokens


def settings_variables() -> set[str]:
    """Every environment variable base.py reads: env.<kind>("NAME", …), env("NAME"), os.environ."""
    source = BASE_SETTINGS.read_text(encoding="utf-8")
    names = set(re.findall(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
    names |= set(re.findall(r"os\.(?:environ(?:\.get)?|getenv)[\[(]\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
    return names


def pyproject_dependencies() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {normalise(re.split(r"[\s\[<>=!~;]", dep, maxsplit=1)[0]) for dep in data["project"]["dependencies"]}


def normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def console_script_distribution(program: str) -> str | None:
    for entry_point in importlib.metadata.entry_points(group="console_scripts", name=program):
        return normalise(entry_point.dist.name)
    return None


def all_app_commands(services: dict) -> list[tuple[str, list[str]]]:
    """Every command the portal's image runs: compose commands and healthchecks, Dockerfile CMD,
    HEALTHCHECK and build-time collectstatic, each with where it comes from."""
    commands = []
    for name in APP_SERVICES:
        service = services[name]
        if "command" in service:
            commands.append((f"{name}.command", as_argv(service["command"])))
        healthcheck = service.get("healthcheck") or {}
        if healthcheck.get("test") and not healthcheck.get("disable"):
            commands.append((f"{name}.healthcheck", healthcheck_argv(healthcheck["test"])))
    commands.append(("Dockerfile CMD", dockerfile_exec("CMD")))
    commands.append(("Dockerfile HEALTHCHECK", dockerfile_exec("HEALTHCHECK")))
    commands.append(("Dockerfile collectstatic", collectstatic_run()[1]))
    return commands


# --- the portal, loaded the way the containers load it -----------------------------------------------

PROBE = r"""
import importlib, json, sys
from pathlib import Path

import django
from django.conf import settings

wanted = json.loads(sys.argv[1])
django.setup()

from celery import Celery
from celery.app.utils import find_app
from celery.utils.imports import symbol_by_name
from django.core.management import get_commands, load_command_class
from django.urls import resolve


def attempt(fn):
    try:
        return {"ok": True, **(fn() or {})}
    except BaseException as exc:
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}


def wsgi(spec):
    module, _, attribute = spec.partition(":")
    application = getattr(importlib.import_module(module), attribute or "application")
    if not callable(application):
        raise TypeError(f"{spec} n'est pas appelable")


def celery_app(name):
    app = find_app(name)
    if not isinstance(app, Celery):
        raise TypeError(f"-A {name} donne {app!r}, pas une application Celery")
    module_app = getattr(importlib.import_module(name + ".celery"), "app", None) if ":" not in name else app
    return {"main": app.main, "broker": app.conf.broker_url, "module_app": module_app is app}


commands = get_commands()


def manage(argv):
    name, args = argv[0], argv[1:]
    if name not in commands:
        raise LookupError(f"manage.py {name} : commande inconnue")
    command = load_command_class(commands[name], name)
    command.create_parser("manage.py", name).parse_args(args)


db = settings.DATABASES["default"]
storage = settings.STORAGES["default"]
print(json.dumps({
    "debug": settings.DEBUG,
    "db": {k: str(db.get(k, "")) for k in ("ENGINE", "HOST", "PORT", "NAME", "USER", "PASSWORD")},
    "redis_url": settings.REDIS_URL,
    "broker": settings.CELERY_BROKER_URL,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "cache": settings.CACHES["default"].get("LOCATION", ""),
    "storage": storage["BACKEND"],
    "storage_options": {k: v for k, v in storage.get("OPTIONS", {}).items()
                        if k in ("bucket_name", "endpoint_url", "access_key", "secret_key", "default_acl")},
    "email": {"backend": settings.EMAIL_BACKEND, "host": getattr(settings, "EMAIL_HOST", ""),
              "port": getattr(settings, "EMAIL_PORT", 0)},
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "beat_scheduler": settings.CELERY_BEAT_SCHEDULER,
    "beat_scheduler_ok": attempt(lambda: symbol_by_name(settings.CELERY_BEAT_SCHEDULER) and None),
    "installed_apps": settings.INSTALLED_APPS,
    "mode": settings.CARE_MODE,
    "static_root": Path(settings.STATIC_ROOT).relative_to(settings.BASE_DIR).as_posix(),
    "wsgi": {spec: attempt(lambda spec=spec: wsgi(spec)) for spec in wanted["wsgi"]},
    "celery": {name: attempt(lambda name=name: celery_app(name)) for name in wanted["celery"]},
    "manage": {" ".join(argv): attempt(lambda argv=argv: manage(argv)) for argv in wanted["manage"]},
    "urls": {url: attempt(lambda url=url: {"view": resolve(url).view_name}) for url in wanted["urls"]},
}))
"""


def run_probe(env: dict[str, str], wanted: dict, tmp_path: Path) -> dict:
    """Loads the settings in a fresh interpreter with exactly `env` on top of a clean environment."""
    clean = {k: v for k, v in os.environ.items() if k not in settings_variables() and k != "DJANGO_SETTINGS_MODULE"}
    clean["CARE_VAR_DIR"] = str(tmp_path / "var")
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(wanted)],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, f"les réglages ne se chargent pas avec cet environnement :\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def wanted_entry_points(services: dict) -> dict:
    wanted = {"wsgi": set(), "celery": set(), "manage": [], "urls": ["/healthz"]}
    for _, argv in all_app_commands(services):
        if argv[0] == "gunicorn":
            wanted["wsgi"].update(gunicorn_arguments(argv).args)
        elif argv[0] == "celery":
            wanted["celery"].add(celery_app_name(argv))
        elif argv[0] == "python" and len(argv) > 2 and argv[1] == "manage.py":
            wanted["manage"].append(argv[2:])
    return {"wsgi": sorted(wanted["wsgi"]), "celery": sorted(wanted["celery"]),
            "manage": wanted["manage"], "urls": wanted["urls"]}


def gunicorn_arguments(argv: list[str]):
    from gunicorn.config import Config

    try:
        return Config().parser().parse_args(argv[1:])
    except SystemExit as exc:  # argparse on an unknown option
        raise AssertionError(f"options gunicorn invalides : {argv[1:]}") from exc


def celery_app_name(argv: list[str]) -> str:
    for index, token in enumerate(argv):
        if token in ("-A", "--app"):
            return argv[index + 1]
        if token.startswith(("--app=", "-A=")):
            return token.split("=", 1)[1]
    raise AssertionError(f"commande celery sans -A : {argv}")


@pytest.fixture(scope="module")
def probe(services, tmp_path_factory) -> dict:
    """The web container's environment, with the image's settings module."""
    env = environment_of(services["web"])
    env["DJANGO_SETTINGS_MODULE"] = dockerfile_env()["DJANGO_SETTINGS_MODULE"]
    return run_probe(env, wanted_entry_points(services), tmp_path_factory.mktemp("compose"))


# --- compose: services, health, image --------------------------------------------------------------


def s3_store(services: dict) -> str:
    stores = [name for name, s in services.items() if re.search(r"minio/minio|seaweedfs|localstack|garage", s.get("image", ""))]
    assert stores, "aucun stockage compatible S3 (MinIO…) dans docker-compose.yml"
    return stores[0]


def mail_catcher(services: dict) -> str:
    catchers = [name for name, s in services.items() if re.search(r"mailpit|mailhog|maildev", s.get("image", ""))]
    assert catchers, "aucun récepteur d'e-mails (Mailpit…) dans docker-compose.yml"
    return catchers[0]


def test_les_services_attendus_existent(services):
    for name in (*APP_SERVICES, "postgres", "redis"):
        assert name in services, f"service {name} absent de docker-compose.yml"
    assert services["postgres"]["image"].split(":")[0] == "postgres"
    assert services["redis"]["image"].split(":")[0] == "redis"
    s3_store(services)
    mail_catcher(services)


def test_chaque_service_durable_a_un_controle_de_sante(services):
    one_shots = one_shot_services(services)
    for name, service in services.items():
        if name in one_shots:
            # restarted by compose, a one-shot would never "complete" and its dependants never start
            assert service.get("restart", "no") == "no", f"{name} est ponctuel : restart doit être « no »"
            continue
        healthcheck = service.get("healthcheck") or {}
        assert healthcheck.get("test") and not healthcheck.get("disable"), f"{name} n'a pas de healthcheck"
        assert healthcheck_argv(healthcheck["test"]), f"healthcheck vide pour {name}"
    assert set(LONG_RUNNING_APP_SERVICES).isdisjoint(one_shots)
    assert "migrate" in one_shots, "web/worker/beat doivent attendre la fin de migrate"


def test_une_seule_image_pour_le_portail(raw_compose, services):
    builds = {name: (json.dumps(services[name].get("build"), sort_keys=True), services[name].get("image"))
              for name in APP_SERVICES}
    assert len(set(builds.values())) == 1, f"web/worker/beat/migrate doivent partager build et image : {builds}"
    build = services["web"]["build"]
    context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (context / dockerfile).resolve() == DOCKERFILE
    environments = {json.dumps(environment_of(services[name]), sort_keys=True) for name in APP_SERVICES}
    assert len(environments) == 1, "les services du portail doivent avoir le même environnement"


def test_les_dependances_existent_et_sont_coherentes(services):
    one_shots = one_shot_services(services)
    for name, service in services.items():
        for target, condition in depends_on(service).items():
            assert target in services, f"{name} dépend de {target}, qui n'existe pas"
            assert condition in CONDITIONS, f"{name} → {target} : condition inconnue {condition}"
            if condition == "service_healthy":
                assert (services[target].get("healthcheck") or {}).get("test"), f"{target} attendu sain sans healthcheck"
    for name in LONG_RUNNING_APP_SERVICES:
        deps = depends_on(services[name])
        assert deps.get("migrate") == "service_completed_successfully", f"{name} doit attendre migrate"
        assert deps.get("postgres") == "service_healthy" and deps.get("redis") == "service_healthy", name
    assert depends_on(services["migrate"]).get("postgres") == "service_healthy"
    assert one_shots <= set(services)

    # no cycle: compose would refuse to start
    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"dépendance circulaire : {' → '.join((*path, name))}"
        for target in depends_on(services[name]):
            visit(target, (*path, name))

    for name in services:
        visit(name, ())


def test_les_volumes_nommes_sont_declares_et_redis_persiste(raw_compose, services):
    declared = set(raw_compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source and not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} : volume {source} non déclaré"
    mounts = {name: [str(v).split(":")[1] for v in services[name].get("volumes") or []]
              for name in ("postgres", "redis", s3_store(services))}
    assert "/var/lib/postgresql/data" in mounts["postgres"]
    assert "/data" in mounts["redis"]
    assert mounts[s3_store(services)], "les fichiers du stockage S3 doivent être sur un volume"
    redis_argv = as_argv(services["redis"].get("command", []))
    assert "--appendonly" in redis_argv and redis_argv[redis_argv.index("--appendonly") + 1] == "yes", (
        "Redis sans appendonly perd les tâches en file à son redémarrage"
    )


# --- compose: environment --------------------------------------------------------------------------


def test_chaque_variable_est_lue_par_les_reglages(services):
    known = settings_variables()
    assert {"DEBUG", "DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= known, "lecture de base.py cassée"
    for name in APP_SERVICES:
        unknown = set(environment_of(services[name])) - known
        assert not unknown, f"{name} : variables que care_portal/settings/base.py ne lit pas : {sorted(unknown)}"


def test_la_cle_secrete_est_exigee_et_jamais_ecrite(raw_compose):
    for name in APP_SERVICES:
        value = str(environment_of(raw_compose["services"][name]).get("DJANGO_SECRET_KEY", ""))
        assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:?\?[^}]*\}", value), (
            f"{name} : DJANGO_SECRET_KEY doit venir de ${{DJANGO_SECRET_KEY:?…}}, sans valeur par défaut"
        )
    with pytest.raises(KeyError, match="DJANGO_SECRET_KEY"):
        interpolate(raw_compose["services"], {})


def test_mode_production_en_http_local(services, probe):
    env = environment_of(services["web"])
    assert env["DEBUG"] == "0" and probe["debug"] is False
    assert env["SECURE_SSL_REDIRECT"] == "0" and probe["ssl_redirect"] is False
    assert probe["mode"] == "services" and probe["eager"] is False
    assert "localhost" in probe["allowed_hosts"]


def test_base_de_donnees_sur_le_service_postgres(services, probe):
    db, postgres = probe["db"], environment_of(services["postgres"])
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["HOST"] == "postgres" and db["HOST"] in services
    assert db["PORT"] in ("5432", ""), "PostgreSQL écoute sur 5432 dans son conteneur"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == (
        postgres["POSTGRES_DB"], postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"],
    ), "DATABASE_URL ne correspond pas à la base créée par le service postgres"
    assert f"-U {postgres['POSTGRES_USER']}" in " ".join(healthcheck_argv(services["postgres"]["healthcheck"]["test"]))


def test_redis_sur_le_service_redis(services, probe):
    url = urlsplit(probe["redis_url"])
    assert url.scheme == "redis" and url.hostname == "redis" and url.hostname in services
    assert (url.port or 6379) == 6379
    assert probe["broker"] == probe["redis_url"] == probe["cache"]
    for name, result in probe["celery"].items():
        assert result["ok"] and result["broker"] == probe["redis_url"], f"-A {name} : {result}"


def test_fichiers_dans_un_compartiment_prive_du_stockage_s3(services, probe):
    store = s3_store(services)
    options, store_env = probe["storage_options"], environment_of(services[store])
    assert probe["storage"] == "storages.backends.s3.S3Storage"
    assert urlsplit(options["endpoint_url"]).hostname == store
    assert urlsplit(options["endpoint_url"]).port == 9000
    assert (options["access_key"], options["secret_key"]) == (store_env["MINIO_ROOT_USER"], store_env["MINIO_ROOT_PASSWORD"])
    assert options["default_acl"] == "private"
    # the one-shot that creates the bucket: it waits for the store, creates the bucket the portal uses, keeps it private
    creators = [name for name, s in services.items() if depends_on(s).get(store) == "service_healthy"
                and "mc" in s.get("image", "")]
    assert creators, f"aucun service ne crée le compartiment dans {store}"
    script = " ".join(as_argv(services[creators[0]].get("command", [])))
    bucket = options["bucket_name"]
    assert re.search(rf"\bmc mb\b.*\b\w+/{re.escape(bucket)}\b", script), f"le compartiment {bucket} n'est pas créé"
    assert re.search(rf"\bmc anonymous set none \w+/{re.escape(bucket)}\b", script), f"{bucket} doit rester privé"
    assert f"http://{store}:9000" in script
    for name in LONG_RUNNING_APP_SERVICES:
        assert depends_on(services[name]).get(creators[0]) == "service_completed_successfully", name


def test_e_mails_vers_le_recepteur(services, probe):
    catcher = mail_catcher(services)
    assert probe["email"]["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert probe["email"]["host"] == catcher and int(probe["email"]["port"]) == 1025
    assert any(str(port).endswith(":8025") for port in services[catcher].get("ports", [])), "interface web sur 8025"


# --- the commands the image runs ---------------------------------------------------------------------


def test_les_programmes_viennent_des_dependances_du_projet(services):
    dependencies = pyproject_dependencies()
    for origin, argv in all_app_commands(services):
        program = argv[0]
        if program == "python":
            continue
        distribution = console_script_distribution(program)
        assert distribution, f"{origin} : programme {program} introuvable"
        assert distribution in dependencies, f"{origin} : {program} vient de {distribution}, absent de pyproject.toml"


def test_les_points_d_entree_python_existent(services, probe):
    wanted = wanted_entry_points(services)
    assert wanted["wsgi"] and wanted["celery"] and wanted["manage"], wanted
    for spec, result in probe["wsgi"].items():
        assert result["ok"], f"gunicorn {spec} : {result['error']}"
    for name, result in probe["celery"].items():
        assert result["ok"], f"celery -A {name} : {result['error']}"
        assert result["module_app"], f"{name}.celery doit définir `app`, l'application que trouve celery -A {name}"
    for argv, result in probe["manage"].items():
        assert result["ok"], f"manage.py {argv} : {result['error']}"
    assert probe["urls"]["/healthz"] == {"ok": True, "view": "core:healthz"}


def test_beat_lit_le_planning_en_base(services, probe):
    assert probe["beat_scheduler"] == "django_celery_beat.schedulers:DatabaseScheduler"
    assert probe["beat_scheduler_ok"]["ok"], probe["beat_scheduler_ok"]
    assert "django_celery_beat" in probe["installed_apps"]
    assert as_argv(services["beat"]["command"])[:4] == ["celery", "-A", "care_portal", "beat"]


def test_les_options_gunicorn_et_celery_existent(services):
    from celery.app.control import Inspect
    from celery.bin.celery import celery as celery_cli

    def options(command) -> dict:
        return {opt: param for param in command.params for opt in (*param.opts, *param.secondary_opts)}

    def check_options(origin: str, command, args: list[str]) -> list[str]:
        """Checks the --options of one click command; returns the positional arguments left."""
        known, positionals, index = options(command), [], 0
        while index < len(args):
            token = args[index]
            if token.startswith("-"):
                name = token.split("=", 1)[0]
                assert name in known, f"{origin} : option {name} inconnue de « celery {command.name} »"
                param = known[name]
                takes_value = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
                index += 2 if takes_value and "=" not in token else 1
            else:
                positionals.append(token)
                index += 1
        return positionals

    seen = set()
    for origin, argv in all_app_commands(services):
        if argv[0] == "gunicorn":
            parsed = gunicorn_arguments(argv)
            assert len(parsed.args) == 1, f"{origin} : gunicorn attend une application WSGI : {argv}"
            assert parsed.bind == ["0.0.0.0:8000"], f"{origin} : gunicorn doit écouter sur 0.0.0.0:8000"
        elif argv[0] == "celery":
            args = argv[1:]
            split = next(i for i, token in enumerate(args) if token in celery_cli.commands
                         and (i == 0 or args[i - 1] not in ("-A", "--app", "-b", "--broker")))
            check_options(origin, celery_cli, args[:split])
            subcommand = args[split]
            rest = check_options(origin, celery_cli.commands[subcommand], args[split + 1:])
            if subcommand == "inspect":
                assert rest and callable(getattr(Inspect, rest[0], None)), f"{origin} : celery inspect {rest}"
            seen.add(subcommand)
    assert {"worker", "beat"} <= seen


def test_le_worker_recycle_ses_processus(services):
    # WeasyPrint's memory grows with each PDF: a worker child is replaced after a number of tasks.
    argv = as_argv(services["worker"]["command"])
    assert argv[:4] == ["celery", "-A", "care_portal", "worker"]
    assert any(re.fullmatch(r"--max-tasks-per-child=\d+", token) for token in argv)
    health = healthcheck_argv(services["worker"]["healthcheck"]["test"])
    assert health[:5] == ["celery", "-A", "care_portal", "inspect", "ping"], "le worker doit répondre au ping"


def test_le_code_python_des_healthchecks_compile(services):
    snippets = [(origin, argv[argv.index("-c") + 1]) for origin, argv in all_app_commands(services)
                if argv[0] == "python" and "-c" in argv]
    assert len(snippets) >= 2, snippets  # the web probe (image and compose) and beat's
    for origin, code in snippets:
        tree = ast.parse(code, filename=origin)
        for node in ast.walk(tree):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for module in modules:
                assert importlib.util.find_spec(module), f"{origin} : module {module} introuvable"
    web_probes = [code for origin, code in snippets if origin in ("web.healthcheck", "Dockerfile HEALTHCHECK")]
    assert len(web_probes) == 2
    for code in web_probes:
        assert "urllib" in code and "http://127.0.0.1:8000/healthz" in code


# --- Dockerfile ---------------------------------------------------------------------------------------


def test_dockerfile_base_et_bibliotheques_weasyprint():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim-bookworm")
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11", "l'image est en Python 3.11 : revoir FROM si requires-python change"
    apt = [run for run in dockerfile_runs() if "apt-get install" in run]
    assert len(apt) == 1
    assert "--no-install-recommends" in apt[0] and "rm -rf /var/lib/apt/lists" in apt[0]
    installed = set(apt[0].split("apt-get install", 1)[1].split("&&")[0].split())
    assert WEASYPRINT_PACKAGES <= installed
    # the project's own list of system libraries (make sysdeps) is the reference
    script = (ROOT / "scripts" / "dependances_systeme.sh").read_text()
    listed = set(re.search(r"^paquets=\(([^)]*)\)", script, re.M).group(1).split())
    assert listed <= installed, f"paquets de scripts/dependances_systeme.sh absents de l'image : {listed - installed}"


def test_dockerfile_installe_le_projet_et_ses_dependances():
    instructions = dockerfile_instructions()
    copy_all = instructions.index(("COPY", ". ."))
    project = [i for i, (kw, args) in enumerate(instructions)
               if kw == "RUN" and re.search(r"\bpip install\b[^&;|]*?(?:-e\s+)?\.(?=\s|$|\[)", args)]
    assert project and project[0] > copy_all, "le projet doit être installé (pip install … .) après COPY . ."
    # settings find templates/ and static/ at BASE_DIR, next to the code: the code must run from
    # the work directory (editable install, or the work directory first on PYTHONPATH), not from
    # a copy in site-packages
    workdir = [args for kw, args in instructions if kw == "WORKDIR"][-1]
    editable = re.search(r"\bpip install\b[^&;|]*\s-e\s+\.(?=\s|$|\[)", instructions[project[0]][1])
    assert editable or dockerfile_env().get("PYTHONPATH", "").split(":")[0] == workdir, (
        "installé hors de WORKDIR, le portail ne trouverait plus templates/ ni static/ (BASE_DIR)"
    )
    dependencies = [args for kw, args in instructions[:project[0] + 1]
                    if kw == "RUN" and "pip install" in args and ("pyproject.toml" in args or "--no-deps" not in args)]
    assert dependencies, "les dépendances de pyproject.toml doivent être installées"


def test_dockerfile_utilisateur_non_root():
    instructions = dockerfile_instructions()
    users = [(i, args) for i, (kw, args) in enumerate(instructions) if kw == "USER"]
    assert users, "l'image doit tourner sous un utilisateur non root"
    index, user = users[-1]
    assert user.split(":")[0] not in ("root", "0")
    assert any(re.search(rf"\buseradd\b.*\b{re.escape(user)}$", args) for args in dockerfile_runs()), (
        f"l'utilisateur {user} n'est pas créé"
    )
    assert all(kw != "RUN" for kw, _ in instructions[index:]), "plus de RUN après USER : tout serait non root"


def test_dockerfile_commande_gunicorn_et_port(probe):
    cmd = dockerfile_exec("CMD")
    assert cmd[:2] == ["gunicorn", "care_portal.wsgi:application"]
    assert probe["wsgi"]["care_portal.wsgi:application"]["ok"]
    exposed = [args for kw, args in dockerfile_instructions() if kw == "EXPOSE"]
    assert exposed == ["8000"] and "0.0.0.0:8000" in cmd


def test_dockerfile_healthcheck_sur_healthz():
    health = dockerfile_exec("HEALTHCHECK")
    assert health[:2] == ["python", "-c"]
    compile(health[2], "HEALTHCHECK", "exec")
    assert "urllib" in health[2] and "/healthz" in health[2]


def test_dockerfile_collectstatic_avec_une_cle_jetable(tmp_path):
    inline, argv = collectstatic_run()
    assert argv[:3] == ["python", "manage.py", "collectstatic"] and "--noinput" in argv
    assert {"DJANGO_SECRET_KEY", "ALLOWED_HOSTS"} <= set(inline)
    image_env = dockerfile_env()
    assert "DJANGO_SECRET_KEY" not in image_env, "la clé de construction ne doit pas rester dans l'image"
    unknown = (set(inline) | {k for k in image_env if not k.startswith(("PYTHON", "PIP_", "DJANGO_SETTINGS_MODULE"))})
    assert unknown <= settings_variables(), f"variables que base.py ne lit pas : {unknown - settings_variables()}"
    assert importlib.util.find_spec(image_env["DJANGO_SETTINGS_MODULE"])
    # production settings accept the throwaway key (length, variety) and the build needs no service
    build = run_probe({**inline, "DJANGO_SETTINGS_MODULE": image_env["DJANGO_SETTINGS_MODULE"]},
                      {"wsgi": [], "celery": [], "manage": [argv[2:]], "urls": []}, tmp_path)
    assert build["debug"] is False
    assert build["manage"][" ".join(argv[2:])]["ok"], build["manage"]
    # collectstatic creates STATIC_ROOT with the upload permissions (0750/0640) as root: the
    # non-root user serving the files must be given read access
    workdir = [args for kw, args in dockerfile_instructions() if kw == "WORKDIR"][-1]
    run = next(run for run in dockerfile_runs() if "collectstatic" in run)
    assert re.search(rf"chmod -R a\+rX {re.escape(workdir)}/{re.escape(build['static_root'])}\b", run), (
        "les fichiers statiques collectés doivent être lisibles par l'utilisateur de l'image"
    )


# --- .dockerignore -----------------------------------------------------------------------------------


def dockerignore_patterns() -> list[tuple[bool, re.Pattern]]:
    patterns = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip().strip("/").removeprefix("./")
        regex = ""
        for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
        patterns.append((negate, re.compile(regex)))
    return patterns


def ignored(path: str) -> bool:
    """Docker's rule, simplified: the last matching pattern wins; a matched directory hides its contents."""
    parts = path.split("/")
    result = False
    for negate, regex in dockerignore_patterns():
        if any(regex.fullmatch("/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            result = not negate
    return result


def test_dockerignore_garde_le_necessaire_et_ecarte_le_local():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in data["tool"]["setuptools"]["packages"]["find"]["include"]}
    # every file of the packages, templates and static files (what runs), plus what the build reads
    needed = {"manage.py"} | {
        src for kw, args in dockerfile_instructions() if kw == "COPY" for src in args.split()[:-1]
    } - {"."}
    for top in (*sorted(packages), "templates", "static"):
        assert (ROOT / top).is_dir(), top
        needed |= {path.relative_to(ROOT).as_posix() for path in (ROOT / top).rglob("*")
                   if path.is_file() and "__pycache__" not in path.parts}
    for path in sorted(needed):
        assert not ignored(path), f".dockerignore écarte {path}, dont l'image a besoin"
    for path in (".git", ".venv", "var/db.sqlite3", ".env", "staticfiles/x.css", "care_portal/__pycache__/x.pyc"):
        assert ignored(path), f".dockerignore doit écarter {path}"
