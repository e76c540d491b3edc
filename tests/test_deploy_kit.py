"""The deployment kit agrees with the code it deploys. Docker cannot run here (no daemon, and no
registry for base images), so the image is checked by construction: what the Dockerfile copies
is what the package is made of, and the proxy, the compose file and the bot's config name the
same path, port and secrets."""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

import yaml

from bot.config import DEFAULT_CONFIG, load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEPLOY = PROJECT_ROOT / "deploy"
SECRETS = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "CADREBOT_NOTES_KEY")


def dockerfile_copies() -> set[str]:
    sources: set[str] = set()
    for line in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            sources.update(line.split()[1:-1])
    return sources


def test_the_image_copies_every_package_and_every_file_the_build_reads() -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    needed = packages | {"requirements.lock", "pyproject.toml", "setup.py", "MANIFEST.in", pyproject["project"]["readme"],
                         "config.yaml"}
    assert needed <= dockerfile_copies(), needed - dockerfile_copies()
    kept = {line[1:] for line in (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
            if line.startswith("!")}
    assert dockerfile_copies() <= kept, dockerfile_copies() - kept


def test_the_image_runs_cadrebot_as_a_numeric_non_root_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^USER [1-9]\d*:[1-9]\d*$", text, re.M)
    assert 'ENTRYPOINT ["cadrebot"]' in text and 'CMD ["run"]' in text
    assert "--require-hashes" in text and "mplfonts" not in text


def test_proxy_compose_and_config_agree_on_the_webhook_path_port_and_secrets() -> None:
    webhook = load_config(DEFAULT_CONFIG, env={}).bot.webhook
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert f"handle /{webhook.path} {{" in caddy
    assert f"bot1:{webhook.port} bot2:{webhook.port}" in caddy
    assert f"EXPOSE {webhook.port}" in (DEPLOY / "Dockerfile").read_text(encoding="utf-8")

    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bots = {name: compose["services"][name] for name in ("bot1", "bot2")}
    for name, bot in bots.items():
        assert set(SECRETS) | {"DATABASE_URL"} <= set(bot["environment"]), name
        assert webhook.secret_token_env in bot["environment"]
        mounts = dict(volume.split(":")[:2][::-1] for volume in bot["volumes"])
        assert mounts["/srv/cadrebot/knowledge"] == "knowledge", name  # one base, shared
    assert bots["bot1"]["volumes"][2] != bots["bot2"]["volumes"][2]  # data/ is each instance's own
    env_example = (DEPLOY / "compose.env.example").read_text(encoding="utf-8")
    assert all(f"\n{secret}=\n" in env_example for secret in SECRETS)


def test_each_bot_is_health_checked_on_the_ops_listener_the_config_opens() -> None:
    ops = load_config(DEFAULT_CONFIG, env={}).bot.ops_addr
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    for name in ("bot1", "bot2"):
        probe = " ".join(compose["services"][name]["healthcheck"]["test"])
        assert f"http://{ops}/healthz" in probe, name


def test_the_systemd_unit_restarts_on_failure_with_private_files_and_a_short_stop() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "cadrebot.service", encoding="utf-8")
    service = unit["Service"]
    assert service["Restart"] == "on-failure" and service["UMask"] == "0077"
    assert service["TimeoutStopSec"] == "15" and service["EnvironmentFile"] == "/etc/cadrebot/cadrebot.env"
    assert service["User"] == "cadrebot" and service["ExecStart"].endswith("cadrebot run")
    assert service["RestartPreventExitStatus"] == "2"  # a bad config is not retried in a loop
