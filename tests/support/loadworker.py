"""One worker of the reliability load run (tests/support/load.py starts several as separate processes).

Run: python loadworker.py BIN_DIR WORKER CALLS HOST

Waits for its standard input to close (the start barrier: the parent closes every worker's stdin at once), then
makes CALLS calls of the installed console scripts in BIN_DIR, cycling through `rightbrain-helper token`,
`git-credential-rightbrain get`, `docker-credential-rightbrain get` and `rightbrain-helper kubectl` (worker W starts
at tool W, so at any moment the tools are mixed). For each call it prints one JSON line: the tool, exit code, the
token it got (or ""), the expiry the tool was told (git, kubectl; else null), the wall-clock times (time.time())
just before the call started and just after its output arrived, and its stderr. Standard library only.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time

KUBE_INFO = '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'
CALL_TIMEOUT = 60.0  # a call takes well under a second; 60 s is over 5x the 10 s lock timeout it might wait out


def tool_calls(host: str) -> list[tuple[str, list[str], str, dict[str, str]]]:
    """(tool name, argv after the script, stdin, extra environment) per tool, in the order workers cycle them."""
    return [
        ("token", ["rightbrain-helper", "token"], "", {}),
        ("git", ["git-credential-rightbrain", "get"], f"protocol=https\nhost={host}\n\n", {}),
        ("docker", ["docker-credential-rightbrain", "get"], f"https://{host}", {}),
        ("kubectl", ["rightbrain-helper", "kubectl"], "", {"KUBERNETES_EXEC_INFO": KUBE_INFO}),
    ]


def parse_answer(tool: str, stdout: str) -> tuple[str, float | None]:
    """The token in a tool's answer and the expiry (seconds since the epoch) the tool would act on, if it is told
    one; ("", None) for an answer that does not parse."""
    try:
        if tool == "token":
            return stdout.strip(), None
        if tool == "git":
            fields = dict(line.partition("=")[::2] for line in stdout.splitlines() if "=" in line)
            expiry = fields.get("password_expiry_utc")
            return fields.get("password", ""), float(expiry) if expiry else None
        answer = json.loads(stdout)
        if tool == "docker":
            return str(answer["Secret"]), None
        stamp = answer["status"]["expirationTimestamp"].replace("Z", "+00:00")
        return str(answer["status"]["token"]), datetime.datetime.fromisoformat(stamp).timestamp()
    except (ValueError, KeyError, TypeError, AttributeError):
        return "", None


def call(bin_dir: str, tool: tuple[str, list[str], str, dict[str, str]]) -> dict[str, object]:
    """Run one tool call; its record."""
    name, argv, stdin, extra = tool
    started = time.time()
    done = subprocess.run(
        [os.path.join(bin_dir, argv[0]), *argv[1:]],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **extra},
        timeout=CALL_TIMEOUT,
        check=False,
    )
    received = time.time()
    token, expiry = parse_answer(name, done.stdout) if done.returncode == 0 else ("", None)
    return {
        "tool": name,
        "code": done.returncode,
        "token": token,
        "told_expiry": expiry,
        "started": started,
        "received": received,
        "stderr": done.stderr[-400:],
    }


def main() -> None:
    """Wait for the start, make the calls, print one JSON line per call."""
    bin_dir, worker, calls, host = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    tools = tool_calls(host)
    sys.stdin.read()  # the start barrier: returns when the parent closes our stdin
    for index in range(calls):
        record = call(bin_dir, tools[(worker + index) % len(tools)])
        sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
