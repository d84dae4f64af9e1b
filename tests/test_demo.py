"""The README's "try it" demo keeps working: three real tools, one token request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "scripts" / "demo.py"


def test_demo_shows_three_tools_sharing_one_token() -> None:
    """scripts/demo.py configures git, docker and kubectl in a throwaway HOME and ends with one token request."""
    done = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "issuer log (1 token request(s) for three tools)" in done.stdout
    assert done.stdout.rstrip().endswith("One token request, one token, three tools.")
