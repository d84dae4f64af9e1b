"""The five tools `configure` sets up (git, docker, kubectl, terraform, cargo), each with its own config file
under the test's directory already holding the user's settings, including an entry of the same kind that is
not ours (another credential helper, registry, cluster, credentials block)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from ..conftest import BIN_DIR

TOOL_ARGS = {
    "git": ["git", "--host", "git.example.com"],
    "docker": ["docker", "--registry", "reg.example.com"],
    "kubectl": ["kubectl", "--cluster", "c", "--server", "https://127.0.0.1:6443"],
    "terraform": ["terraform", "--host", "tf.example.com"],
    "cargo": ["cargo", "--registry", "corp", "--index", "sparse+https://crates.example.com/index/"],
}
UNCONFIGURE_ARGS = {tool: args[:3] for tool, args in TOOL_ARGS.items()}  # what names the setup to remove
TOOL_HOSTS = {
    "git": "git.example.com",
    "docker": "reg.example.com",
    "kubectl": "127.0.0.1:6443",
    "terraform": "tf.example.com",
    "cargo": "crates.example.com",
}
USER_FILES = {  # path under the test directory -> the user's own settings
    "gitconfig": '[user]\n\tname = Me\n[credential "https://other.example.com"]\n\thelper = store\n',
    "docker/config.json": '{\n\t"auths": {},\n\t"credHelpers": {\n\t\t"other.example.com": "pass"\n\t}\n}',
    "kube/config": (
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://other.example.com\n  name: other\n"
        "users:\n- name: me\n  user:\n    token: mine\n"
        "contexts:\n- context:\n    cluster: other\n    user: me\n  name: other\ncurrent-context: other\n"
    ),
    "tfrc": '# mine\ncredentials "app.terraform.io" {\n  token = "mine"\n}\n',
    "cargo/config.toml": '[net]\noffline = false\n\n[registries.public]\nindex = "https://x.example/i"\n',
}
TOOL_FILES = {
    "git": "gitconfig",
    "docker": "docker/config.json",
    "kubectl": "kube/config",
    "terraform": "tfrc",
    "cargo": "cargo/config.toml",
}


def tool_env(helper_env: dict[str, str], root: Path) -> dict[str, str]:
    """helper_env with each tool's config file (USER_FILES) under `root` and the helper's scripts on PATH."""
    for name, text in USER_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return {
        **{key: value for key, value in helper_env.items() if key not in ("SSH_ASKPASS", "GIT_ASKPASS")},
        "GIT_CONFIG_GLOBAL": str(root / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "DOCKER_CONFIG": str(root / "docker"),
        "KUBECONFIG": str(root / "kube" / "config"),
        "TF_CLI_CONFIG_FILE": str(root / "tfrc"),
        "CARGO_HOME": str(root / "cargo"),
        "PATH": f"{BIN_DIR}{os.pathsep}{helper_env['PATH']}",
    }


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `root` except the token cache: its bytes and mtime; a symlink: its target."""
    found = {}
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = Path(directory, name)
            if "cache" in path.relative_to(root).parts:
                continue
            if path.is_symlink():
                found[str(path)] = (os.readlink(path).encode(), 0)
            else:
                found[str(path)] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def tool_view(tool: str, env: dict[str, str], root: Path) -> object:
    """The tool's settings as the tool reads them: the file's bytes; for kubectl, whose own writes reformat the
    file, the kubeconfig as `kubectl config view` reports it."""
    if tool != "kubectl":
        return (root / TOOL_FILES[tool]).read_bytes()
    view = subprocess.run(
        ["kubectl", "config", "view", "--raw", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(view.stdout)
