"""What a cache hit, a cold fetch and a cold stampede cost, measured in one run on this machine (a report, not a test).

Run: .venv/bin/python bench/bench_cache.py [--runs 40] [--warmup 5] [--cold-runs 5] [--procs 32] [--rounds 3]

(1) cache hits through the installed console scripts against `python -c pass` of the same venv interpreter,
    interleaved A/B after a warm-up: medians, ratio of medians, median of per-pair ratios (goal <= 1.5);
(2) a cold fetch (empty cache) against tests/support/tokenserver.py, run in-process in a thread;
(3) N processes started cold at once on one empty cache: token requests the server saw (goal 1), wall time.
Everything runs in a throwaway HOME, config dir and cache dir. bench/README.md says how to read the figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import Case, interleaved, load, ms  # noqa: E402  (these need ROOT on sys.path)
from tests.support.tokenserver import TokenServer  # noqa: E402

BIN = Path(sys.executable).parent
HELPER = str(BIN / "rightbrain-helper")
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"
GIT_HOST = "git.bench.test"
KUBE_EXEC_INFO = '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'
GOAL = 1.25  # issue 7: a hit within a quarter of a bare interpreter start


def base_env(home: Path) -> dict[str, str]:
    """This environment without helper, XDG or tool settings, in a throwaway HOME (made here).
    PYTHONDONTWRITEBYTECODE goes too: users' Pythons cache bytecode (pip compiles it at install), so the
    warm-up runs leave .pyc files as a user's first run would."""
    home.mkdir(parents=True, exist_ok=True)
    drop = ("RIGHTBRAIN_", "XDG_", "GIT_", "DOCKER_", "KUBE", "PYTHONDONTWRITEBYTECODE")
    env = {key: value for key, value in os.environ.items() if not key.startswith(drop)}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"))
    return env


def env_settings(home: Path, server: TokenServer, cache: str) -> dict[str, str]:
    """Settings from environment variables only (a HOME with no config file), cache in `home`/`cache`."""
    env = base_env(home)
    env.update(RIGHTBRAIN_TOKEN_URL=server.url, RIGHTBRAIN_CLIENT_ID=CLIENT_ID, RIGHTBRAIN_CLIENT_SECRET=CLIENT_SECRET)
    env["RIGHTBRAIN_CACHE_DIR"] = str(home / cache)
    return env


def config_settings(home: Path, server: TokenServer) -> dict[str, str]:
    """A config file with profile "bench" (secret in a 0600 file) and a git host, its mtime an hour back so the
    helper keeps a parsed snapshot of it."""
    env = base_env(home)
    env["RIGHTBRAIN_CACHE_DIR"] = str(home / "cache")
    secret = home / "client.secret"
    secret.write_text(CLIENT_SECRET + "\n", encoding="utf-8")
    secret.chmod(0o600)
    config = home / ".config" / "rightbrain-helper" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'default_profile = "bench"\n\n[profiles.bench]\ntoken_url = "{server.url}"\nclient_id = "{CLIENT_ID}"\n'
        f'client_secret_file = "{secret}"\nscope = "read write"\n\n[hosts."{GIT_HOST}"]\nprofile = "bench"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    an_hour_ago = time.time() - 3600
    os.utime(config, (an_hour_ago, an_hour_ago))
    return env


def hit_row(case: Case, baseline: Case, server: TokenServer, runs: int, warmup: int) -> tuple[str, list[float]]:
    """One row of part (1), or a note saying why the case was skipped; and the baseline walls timed for it."""
    problem = case.problem()  # also the first fetch that fills this cache
    if problem:
        return f"  {case.label:<34} skipped: {problem}", []
    before = len(server.token_requests())
    ours, base = interleaved(case, baseline, runs, warmup)
    fetches = len(server.token_requests()) - before
    pairs = sorted(a / b for a, b in zip(ours, base, strict=True))
    pair_median = statistics.median(pairs)
    row = (
        f"  {case.label:<34} {ms(statistics.median(ours)):>7} {ms(statistics.median(base)):>8}"
        f" {statistics.median(ours) / statistics.median(base):>7.2f} {pair_median:>9.2f}"
        f" {pairs[len(pairs) * 9 // 10]:>9.2f} {fetches:>7}   {'ok' if pair_median <= GOAL else 'over goal'}"
    )
    return row, base


def part_hits(home: Path, server: TokenServer, runs: int, warmup: int) -> float:
    """(1): hits via `token` (environment settings, then a config profile) and via the git, docker and kubectl
    adapters; returns the median of every baseline run."""
    env = env_settings(home / "env-home", server, "cache")
    config_env = config_settings(home / "config-home", server)
    baseline = Case("python -c pass", [sys.executable, "-c", "pass"], env)
    cases = [
        Case("token (environment settings)", [HELPER, "token"], env, expect="tok-"),
        Case("token (config profile, snapshot)", [HELPER, "token"], config_env, expect="tok-"),
        Case(
            "git-credential-rightbrain get",
            [str(BIN / "git-credential-rightbrain"), "get"],
            config_env,
            stdin=f"protocol=https\nhost={GIT_HOST}\n",
            expect="password=tok-",
        ),
        Case(
            "docker-credential-rightbrain get",
            [str(BIN / "docker-credential-rightbrain"), "get"],
            config_env,
            stdin=f"https://{GIT_HOST}\n",
            expect='"Secret":"tok-',
        ),
        Case(
            "rightbrain-helper kubectl",
            [HELPER, "kubectl", "--profile", "bench"],
            {**config_env, "KUBERNETES_EXEC_INFO": KUBE_EXEC_INFO},
            expect='"token":"tok-',
        ),
    ]
    print(f"(1) cache hit vs `python -c pass`: {runs} interleaved pairs after {warmup} warm-up runs each")
    print(f"  {'command':<34} {'hit ms':>7} {'pass ms':>8} {'ratio':>7} {'pair med':>9} {'pair p90':>9} {'fetches':>7}")
    base: list[float] = []
    for case in cases:
        row, walls = hit_row(case, baseline, server, runs, warmup)
        base += walls
        print(row, flush=True)
    snapshot = any(name.endswith(".snapshot") for name in os.listdir(config_env["RIGHTBRAIN_CACHE_DIR"]))
    print(f"  config snapshot kept in the cache dir: {'yes' if snapshot else 'NO (the TOML parser ran on each hit)'}")
    return statistics.median(base) if base else baseline.timed()


def part_cold(home: Path, server: TokenServer, cold_runs: int, baseline: float) -> None:
    """(2): `token` with an empty cache, each run in a new cache dir."""
    before = len(server.token_requests())
    walls = [
        Case(
            "cold fetch", [HELPER, "token"], env_settings(home / "env-home", server, f"cold-{index}"), "", "tok-"
        ).timed()
        for index in range(cold_runs)
    ]
    requests = len(server.token_requests()) - before
    median = statistics.median(walls)
    print(
        f"(2) cold fetch (empty cache), {cold_runs} runs: median {ms(median)} ms (min {ms(min(walls))}, "
        f"max {ms(max(walls))}) = {median / baseline:.1f}x `python -c pass`; token requests {requests} "
        f"(expected {cold_runs})"
    )


def part_stampede(home: Path, server: TokenServer, procs: int, rounds: int) -> None:
    """(3): `procs` cold processes at once on one empty cache, `rounds` times."""
    print(f"(3) {procs} processes started cold at once on one empty cache (goal: 1 token request)")
    for number in range(1, rounds + 1):
        env = env_settings(home / "env-home", server, f"stampede-{number}")
        before = len(server.token_requests())
        cpu_before = children_cpu()
        started = time.perf_counter()
        children = [
            subprocess.Popen(
                [HELPER, "token"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(procs)
        ]
        launched = time.perf_counter() - started
        outputs = [child.communicate(timeout=120) for child in children]
        wall = time.perf_counter() - started
        succeeded = sum(child.returncode == 0 for child in children)
        tokens = {out.strip() for out, _ in outputs if out.strip()}
        cpu = children_cpu() - cpu_before
        print(
            f"  round {number}: {len(server.token_requests()) - before} token request(s), wall {wall:.2f} s "
            f"(all started within {launched:.2f} s), {succeeded}/{procs} exit 0, {len(tokens)} distinct token(s); "
            f"CPU {cpu:.2f} s ({ms(cpu / procs)} ms per process)",
            flush=True,
        )


def children_cpu() -> float:
    """User + system CPU seconds of every child reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Parse the options, run the three parts in one throwaway HOME, print the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40, help="timed A/B pairs per hit case (default 40)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs of each before timing (default 5)")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold fetches to time (default 5)")
    parser.add_argument("--procs", type=int, default=32, help="processes started at once (default 32)")
    parser.add_argument("--rounds", type=int, default=3, help="stampede rounds (default 3)")
    options = parser.parse_args()
    print(
        f"rightbrain-helper cache benchmark: {sys.executable} (Python {sys.version.split()[0]}), {os.cpu_count()} CPUs"
    )
    print(f"load average at the start: {load()}")
    server = TokenServer({CLIENT_ID: CLIENT_SECRET}).start()
    home = Path(tempfile.mkdtemp(prefix="rightbrain-bench-"))
    try:
        baseline = part_hits(home, server, options.runs, options.warmup)
        part_cold(home, server, options.cold_runs, baseline)
        part_stampede(home, server, options.procs, options.rounds)
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()
