"""The README's "try it" demo keeps working: the real tools it finds, one token request; a missing tool is one
line and the rest still runs; a second run installs nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scripts" / "demo.py"


def run_demo(env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """scripts/demo.py with this venv's Python."""
    return subprocess.run(
        [sys.executable, str(DEMO)], env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
        check=False,
    )  # fmt: skip


def test_demo_shows_three_tools_sharing_one_token() -> None:
    """scripts/demo.py configures git, docker and kubectl in a throwaway HOME and ends with one token request."""
    done = run_demo()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipping" not in done.stdout
    assert "issuer log (1 token request(s) for three tools)" in done.stdout
    assert done.stdout.rstrip().endswith("One token request, one token, three tools.")


def test_demo_without_docker_and_kubectl_says_so_and_shows_git(tmp_path: Path) -> None:
    """With only git on PATH: one line per skipped tool naming what is missing, no traceback, and git's part."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = shutil.which("git")
    assert git, "git is needed for this test"
    (bin_dir / "git").symlink_to(git)
    done = run_demo({**os.environ, "PATH": str(bin_dir)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(
        "demo: skipping docker: not on PATH: docker, openssl\ndemo: skipping kubectl: not on PATH: kubectl, openssl\n"
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert "$ git ls-remote" in done.stdout
    assert done.stdout.rstrip().endswith("One token request, one token, one tool.")


FAKE_PYTHON = """#!/bin/sh
# Records how the demo uses its venv's Python; pip is recorded, not run; the demo itself is not run.
echo "$*" >> "{log}"
case "$1" in
  -m) exit 0 ;;
  *demo.py) exit 0 ;;
esac
exec "{python}" "$@"
"""


def test_demo_sh_installs_once_and_not_on_the_second_run(tmp_path: Path) -> None:
    """The first run of scripts/demo.sh installs the package into its own venv; the second installs nothing
    (no test tools, no pip) and goes straight to the demo."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    log = tmp_path / "python.log"
    fake = venv / "bin" / "python"
    fake.write_text(FAKE_PYTHON.format(log=log, python=sys.executable))
    fake.chmod(0o755)
    env = {**os.environ, "DEMO_VENV": str(venv)}
    for _ in range(2):
        done = subprocess.run(
            [str(ROOT / "scripts" / "demo.sh")], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    installs = [call for call in calls if call.startswith("-m pip install")]
    assert installs == ["-m pip install --quiet --disable-pip-version-check ."]
    assert [call for call in calls if call.endswith("demo.py")] == ["scripts/demo.py", "scripts/demo.py"]
