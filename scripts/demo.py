"""First run without an account: a local issuer, a git server, a registry and a Kubernetes API on 127.0.0.1,
a throwaway HOME, the helper configured for git, docker and kubectl there, and each tool getting its token from
the one shared cache. Run through scripts/demo.sh (which sets up the venv first).

Each tool is optional: a tool whose command is not on PATH (git; the docker CLI and openssl; kubectl and openssl)
is skipped with one line saying so, and the demo shows the others."""

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
from tests.support.tls import Certificate, make_certificate  # noqa: E402
from tests.support.tokenserver import TokenServer  # noqa: E402

CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-secret-" + os.urandom(6).hex()
BIN = Path(sys.executable).parent
CLEARED = ("RIGHTBRAIN_", "GIT_", "DOCKER_", "KUBE", "XDG_", "SSH_ASKPASS")
NEEDS = {  # tool -> the commands its part of the demo runs (openssl makes the 127.0.0.1 TLS certificate)
    "git": ("git",),
    "docker": ("docker", "openssl"),
    "kubectl": ("kubectl", "openssl"),
}
COUNT = {0: "rightbrain-helper alone", 1: "one tool", 2: "two tools", 3: "three tools"}


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


def run(title: str, argv: list[str], env: dict[str, str]) -> str:
    """Run one command, show it and what it printed (tokens shortened); stop the demo if it fails."""
    print(f"\n$ {' '.join(argv)}    # {title}", flush=True)
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False
    )
    for line in (done.stdout + done.stderr).strip().splitlines()[:8]:
        print(f"  {line}")
    if done.returncode != 0:
        raise SystemExit(f"demo: {argv[0]} failed with exit code {done.returncode}")
    return done.stdout


def shown(token: str) -> str:
    """A token shortened for the screen."""
    return token[:10] + "..." if token else "(none)"


def available_tools(env: dict[str, str]) -> list[str]:
    """The tools whose commands are on PATH; one line for each that is not."""
    tools = []
    for tool, commands in NEEDS.items():
        missing = [command for command in commands if shutil.which(command, path=env["PATH"]) is None]
        if missing:
            print(f"demo: skipping {tool}: not on PATH: {', '.join(missing)}")
        else:
            tools.append(tool)
    return tools


class Demo:
    """The servers and the throwaway HOME of one demo run."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.home = work / "home"
        self.home.mkdir()
        self.issuer = TokenServer({CLIENT_ID: CLIENT_SECRET}, log_path=str(work / "issuer.log")).start()
        self.env = isolated_env(self.home)
        write_profile(self.home, self.issuer.url)
        self.helper = str(BIN / "rightbrain-helper")
        self.servers: list[TokenServer | GitHttpServer | Registry | KubeApiServer] = [self.issuer]
        self.tokens: dict[str, set[str]] = {}
        self._certificate: Certificate | None = None

    def accepted(self, _user: str, password: str) -> bool:
        """What the git server and the registry accept: a token the issuer issued."""
        return password in self.issuer.issued

    def git(self) -> None:
        """configure git, then `git ls-remote` authenticates through git-credential-rightbrain."""
        make_repository(self.work / "git", self.env)
        server = GitHttpServer(self.work / "git", self.accepted).start()
        self.servers.append(server)
        run("configure git", [self.helper, "configure", "git", "--host", f"http://127.0.0.1:{server.port}"], self.env)
        run("git asks git-credential-rightbrain", ["git", "ls-remote", server.url()], self.env)
        self.tokens["git"] = {seen.password for seen in server.requests() if seen.password in self.issuer.issued}

    def docker(self) -> None:
        """configure docker, then `docker manifest inspect` authenticates through docker-credential-rightbrain."""
        registry = Registry(self.certificate(), self.accepted).start()
        self.servers.append(registry)
        run("configure docker", [self.helper, "configure", "docker", "--registry", registry.address], self.env)
        image = f"{registry.address}/team/app:1.0"
        run(
            "docker asks docker-credential-rightbrain", ["docker", "manifest", "inspect", "--insecure", image], self.env
        )
        self.tokens["docker"] = {seen.password or "" for seen in registry.authorized()}

    def kubectl(self) -> None:
        """configure kubectl, then `kubectl get --raw /version` runs `rightbrain-helper kubectl`."""
        certificate = self.certificate()
        kube = KubeApiServer(certificate, lambda token: token in self.issuer.issued).start()
        self.servers.append(kube)
        configure = [self.helper, "configure", "kubectl", "--cluster", "demo", "--server", kube.url]
        run("configure kubectl", [*configure, "--certificate-authority", str(certificate.cert)], self.env)
        run("kubectl runs `rightbrain-helper kubectl`", ["kubectl", "get", "--raw", "/version"], self.env)
        seen = {item.authorization.removeprefix("Bearer ") for item in kube.requests()}
        self.tokens["kubectl"] = seen & set(self.issuer.issued)

    def certificate(self) -> Certificate:
        """The self-signed 127.0.0.1 certificate (made once)."""
        if self._certificate is None:
            self._certificate = make_certificate(self.work)
        return self._certificate

    def stop(self) -> None:
        """Stop every server."""
        for server in reversed(self.servers):
            server.stop()


def main() -> None:
    """Set everything up in a temp dir, run the tools that are installed, show the issuer's log, clean up."""
    work = Path(tempfile.mkdtemp(prefix="rightbrain-demo-"))
    demo = Demo(work)
    try:
        tools = available_tools(demo.env)
        print(f"issuer {demo.issuer.url}, throwaway HOME {demo.home}")
        for tool in tools:
            getattr(demo, tool)()
        if not tools:
            token = run("no tool to show: the helper itself", [demo.helper, "token"], demo.env)
            demo.tokens["rightbrain-helper token"] = {token.strip()}
        run("what is cached", [demo.helper, "status"], demo.env)
        report(demo.issuer, demo.tokens, work, len(tools))
    finally:
        demo.stop()
        shutil.rmtree(work, ignore_errors=True)


def report(issuer: TokenServer, tokens: dict[str, set[str]], work: Path, count: int) -> None:
    """Which token each server saw, and the issuer's log: one request for all the tools."""
    print("\ntokens the servers accepted:")
    for name, seen in tokens.items():
        print(f"  {name:8} {', '.join(shown(token) for token in sorted(seen)) or '(none)'}")
    log = (work / "issuer.log").read_text().splitlines()
    print(f"\nissuer log ({len(log)} token request(s) for {COUNT[count]}):")
    for line in log:
        print(f"  {line}")
    if len(log) != 1 or len(set().union(*tokens.values())) != 1:
        raise SystemExit(f"demo: expected one token request shared by {COUNT[count]}")
    print(f"\nOne token request, one token, {COUNT[count]}.")


if __name__ == "__main__":
    main()
