"""First run without an account: a local issuer, a git server, a registry and a Kubernetes API on 127.0.0.1,
a throwaway HOME, the helper configured for git, docker and kubectl there, and each tool getting its token from
the one shared cache. Run through scripts/demo.sh (which sets up the venv first)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.git_http import GitHttpServer, make_repository  # noqa: E402
from tests.support.kube_api import KubeApiServer  # noqa: E402
from tests.support.registry import Registry  # noqa: E402
from tests.support.tls import make_certificate  # noqa: E402
from tests.support.tokenserver import TokenServer  # noqa: E402

CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-secret-" + os.urandom(6).hex()
BIN = Path(sys.executable).parent
CLEARED = ("RIGHTBRAIN_", "GIT_", "DOCKER_", "KUBE", "XDG_", "SSH_ASKPASS")


def isolated_env(home: Path) -> dict[str, str]:
    """The user's environment minus anything that would leak in or out, pointed at the throwaway HOME."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(CLEARED)}
    env.update(
        HOME=str(home),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        DOCKER_CONFIG=str(home / ".docker"),
        KUBECONFIG=str(home / ".kube" / "config"),
    )
    return env


def write_profile(home: Path, token_url: str) -> None:
    """A secret file (0600) and a config profile pointing at the local issuer."""
    config_dir = home / ".config" / "rightbrain-helper"
    config_dir.mkdir(parents=True, mode=0o700)
    secret = config_dir / "secret"
    secret.write_text(CLIENT_SECRET + "\n")
    secret.chmod(0o600)
    config = config_dir / "config.toml"
    config.write_text(
        f'[profiles.default]\ntoken_url = "{token_url}"\nclient_id = "{CLIENT_ID}"\nclient_secret_file = "{secret}"\n'
    )
    config.chmod(0o600)


def run(title: str, argv: list[str], env: dict[str, str]) -> None:
    """Run one command, show it and what it printed; stop the demo if it fails."""
    print(f"\n$ {' '.join(argv)}    # {title}", flush=True)
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False
    )
    for line in (done.stdout + done.stderr).strip().splitlines()[:8]:
        print(f"  {line}")
    if done.returncode != 0:
        raise SystemExit(f"demo: {argv[0]} failed with exit code {done.returncode}")


def shown(token: str) -> str:
    """A token shortened for the screen."""
    return token[:10] + "..." if token else "(none)"


def main() -> None:
    """Set everything up in a temp dir, run the three tools, show the issuer's log, clean up."""
    work = Path(tempfile.mkdtemp(prefix="rightbrain-demo-"))
    home = work / "home"
    home.mkdir()
    issuer = TokenServer({CLIENT_ID: CLIENT_SECRET}, log_path=str(work / "issuer.log")).start()
    env = isolated_env(home)
    write_profile(home, issuer.url)
    certificate = make_certificate(work)
    make_repository(work / "git", env)
    git_server = GitHttpServer(work / "git", lambda _user, password: password in issuer.issued).start()
    registry = Registry(certificate, lambda _user, password: password in issuer.issued).start()
    kube = KubeApiServer(certificate, lambda token: token in issuer.issued).start()
    print(
        f"issuer {issuer.url}, git http://127.0.0.1:{git_server.port}, registry {registry.address}, "
        f"kubernetes {kube.url}\nthrowaway HOME {home}"
    )
    try:
        helper = str(BIN / "rightbrain-helper")
        run("git", [helper, "configure", "git", "--host", f"http://127.0.0.1:{git_server.port}"], env)
        run("docker", [helper, "configure", "docker", "--registry", registry.address], env)
        run(
            "kubectl",
            [
                helper,
                "configure",
                "kubectl",
                "--cluster",
                "demo",
                "--server",
                kube.url,
                "--certificate-authority",
                str(certificate.cert),
            ],
            env,
        )
        run("git asks git-credential-rightbrain", ["git", "ls-remote", git_server.url()], env)
        run(
            "docker asks docker-credential-rightbrain",
            ["docker", "manifest", "inspect", "--insecure", f"{registry.address}/team/app:1.0"],
            env,
        )
        run("kubectl runs `rightbrain-helper kubectl`", ["kubectl", "get", "--raw", "/version"], env)
        run("what is cached", [helper, "status"], env)
        report(issuer, git_server, registry, kube, work)
    finally:
        for server in (git_server, registry, kube, issuer):
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


def report(issuer: TokenServer, git_server: GitHttpServer, registry: Registry, kube: KubeApiServer, work: Path) -> None:
    """Which token each server saw, and the issuer's log: one request for all three tools."""
    git_tokens = {seen.password for seen in git_server.requests() if seen.password in issuer.issued}
    docker_tokens = {seen.password for seen in registry.authorized()}
    kube_tokens = {seen.authorization.removeprefix("Bearer ") for seen in kube.requests()} & set(issuer.issued)
    print("\ntokens the servers accepted:")
    for name, tokens in (("git", git_tokens), ("docker", docker_tokens), ("kubectl", kube_tokens)):
        print(f"  {name:8} {', '.join(shown(token or '') for token in sorted(tokens, key=str)) or '(none)'}")
    log = (work / "issuer.log").read_text().splitlines()
    print(f"\nissuer log ({len(log)} token request(s) for three tools):")
    for line in log:
        print(f"  {line}")
    if len(log) != 1 or len(git_tokens | docker_tokens | kube_tokens) != 1:
        raise SystemExit("demo: expected one token request shared by all three tools")
    print("\nOne token request, one token, three tools.")


if __name__ == "__main__":
    main()
