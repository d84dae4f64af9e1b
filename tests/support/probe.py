"""Run a console script's main() in a fresh interpreter and report which modules it loaded (hot-path checks).

Heavy modules that site loaded before us (an editable install's path finder imports re and urllib.parse) are
dropped first, so an import of one by the helper shows up; with a regular install there is nothing to drop.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .heavy import HEAVY_MODULES
from .procs import PYTHON

PROBE = r"""
import importlib, sys
heavy_roots = {name.partition(".")[0] for name in HEAVY_MODULES}
for name in list(sys.modules):
    if name.partition(".")[0] in heavy_roots:
        del sys.modules[name]
out, module = sys.argv[1], sys.argv[2]
sys.argv = sys.argv[3:]
code = importlib.import_module(module).main()
with open(out, "w", encoding="utf-8") as handle:
    handle.write("\n".join(sorted(sys.modules)))
sys.exit(code)
""".replace("HEAVY_MODULES", repr(sorted(HEAVY_MODULES)))


def probe(
    module: str, argv: list[str], env: dict[str, str], out: Path, stdin: str = ""
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `module`.main() with sys.argv = `argv` and `stdin`; its result and the set of modules it loaded."""
    result = subprocess.run(
        [PYTHON, "-c", PROBE, str(out), module, *argv],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result, set(out.read_text(encoding="utf-8").split("\n"))
