"""What the fleet tier (shared_cache on Redis) buys and costs, measured on this machine (a report, not a test).

Run: .venv/bin/python bench/bench_fleet.py [--machines 64] [--rounds 2] [--runs 15]

(1) N simulated machines (each its own HOME and cache dir, one process each) started cold at once on a barrier,
    without and with the shared tier: token requests the issuer saw (goal with the tier: 1) and wall time;
(2) the latency of a local cache miss served from Redis against one served by the issuer, both on loopback:
    in-process (the TokenService alone, modules already imported) and as a fresh `rightbrain-helper token`.
Needs redis-server on PATH (scripts/setup.sh installs it) and the [redis] extra. Nothing outside a throwaway
directory is touched; the Redis server and the token endpoint run on 127.0.0.1 and stop at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import load, ms  # noqa: E402  (these need ROOT on sys.path)
from rightbrain_helper.runtime import Runtime  # noqa: E402
from rightbrain_helper.settings.load import Overrides  # noqa: E402
from rightbrain_helper.token.cache import TokenCache  # noqa: E402
from tests.support.redisserver import RedisServer  # noqa: E402
from tests.support.tokenserver import TokenServer  # noqa: E402

HELPER = str(Path(sys.executable).parent / "rightbrain-helper")
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret-value"
# Waits for EOF on the barrier pipe (argv[1]), then runs the console script (argv[2]) with the rest of argv.
BARRIER_CHILD = """
import os, runpy, sys
os.read(int(sys.argv[1]), 1)
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def machine_env(root: Path, name: str, server: TokenServer, shared_cache: str) -> dict[str, str]:
    """One simulated machine: its own HOME, config and cache dirs; settings from the environment."""
    drop = ("RIGHTBRAIN_", "XDG_", "GIT_", "DOCKER_", "KUBE")
    env = {key: value for key, value in os.environ.items() if not key.startswith(drop)}
    home = root / name
    home.mkdir(parents=True)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), RIGHTBRAIN_CACHE_DIR=str(home / "cache"))
    env.update(RIGHTBRAIN_TOKEN_URL=server.url, RIGHTBRAIN_CLIENT_ID=CLIENT_ID, RIGHTBRAIN_CLIENT_SECRET=CLIENT_SECRET)
    if shared_cache:
        env["RIGHTBRAIN_SHARED_CACHE"] = shared_cache
    return env


def stampede(root: Path, server: TokenServer, machines: int, shared_cache: str) -> tuple[int, float, int, int]:
    """`machines` cold machines at once: (token requests, wall seconds, exits 0, distinct tokens)."""
    envs = [machine_env(root, f"m{index}", server, shared_cache) for index in range(machines)]
    barrier_read, barrier_write = os.pipe()
    before = len(server.token_requests())
    children = [
        subprocess.Popen(
            [sys.executable, "-c", BARRIER_CHILD, str(barrier_read), HELPER, "token"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(barrier_read,),
        )
        for env in envs
    ]
    os.close(barrier_read)
    started = time.perf_counter()
    os.close(barrier_write)  # every machine starts now
    outputs = [child.communicate(timeout=300) for child in children]
    wall = time.perf_counter() - started
    tokens = {out.strip() for out, _ in outputs if out.strip()}
    succeeded = sum(child.returncode == 0 for child in children)
    return len(server.token_requests()) - before, wall, succeeded, len(tokens)


def part_stampede(root: Path, server: TokenServer, redis: RedisServer, machines: int, rounds: int) -> None:
    """(1): with and without the tier, `rounds` times each."""
    print(f"(1) {machines} simulated machines started cold at once (one process each)")
    print(f"  {'tier':<22} {'round':>5} {'requests':>9} {'wall s':>7} {'exit 0':>7} {'tokens':>7}")
    for round_number in range(1, rounds + 1):
        for label, url in (("local cache only", ""), ("local + fleet (Redis)", redis.url())):
            redis.admin().flushall()
            requests, wall, succeeded, tokens = stampede(root / f"{round_number}-{bool(url)}", server, machines, url)
            print(f"  {label:<22} {round_number:>5} {requests:>9} {wall:>7.2f} {succeeded:>7} {tokens:>7}", flush=True)


def in_process_miss(env: dict[str, str], runs: int) -> list[float]:
    """Seconds per `get_token` with the local entry removed before each call (one warm-up call first)."""
    runtime = Runtime(env=env, stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())
    settings = runtime.settings(Overrides())
    runtime.service.get_token(settings)
    cache = TokenCache(settings.cache_dir)
    walls = []
    for _ in range(runs):
        for key, _token in list(cache.entries()):
            cache.remove(key)
        started = time.perf_counter()
        runtime.service.get_token(settings)
        walls.append(time.perf_counter() - started)
    return walls


def process_miss(env: dict[str, str], runs: int) -> list[float]:
    """Wall seconds of `rightbrain-helper token` with the local entry removed before each run."""
    cache = TokenCache(env["RIGHTBRAIN_CACHE_DIR"])
    walls = []
    for _ in range(runs):
        for key, _token in list(cache.entries()):
            cache.remove(key)
        started = time.perf_counter()
        done = subprocess.run([HELPER, "token"], env=env, capture_output=True, text=True, timeout=120, check=False)
        walls.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"rightbrain-helper token failed: {done.stderr.strip()}")
    return walls


def part_latency(root: Path, server: TokenServer, redis: RedisServer, runs: int) -> None:
    """(2): local misses served by the issuer against ones served from Redis."""
    issuer_env = machine_env(root, "latency-issuer", server, "")
    redis_env = machine_env(root, "latency-redis", server, redis.url())
    before = len(server.token_requests())
    rows = [
        ("in-process, issuer", in_process_miss(issuer_env, runs)),
        ("in-process, Redis", in_process_miss(redis_env, runs)),
        ("fresh process, issuer", process_miss(issuer_env, runs)),
        ("fresh process, Redis", process_miss(redis_env, runs)),
    ]
    requests = len(server.token_requests()) - before
    print(f"(2) a local cache miss, {runs} runs each (medians; issuer and Redis both on 127.0.0.1)")
    print(f"  {'served by':<24} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for label, walls in rows:
        print(f"  {label:<24} {ms(statistics.median(walls)):>10} {ms(min(walls)):>8} {ms(max(walls)):>8}")
    for kind in ("in-process", "fresh process"):
        issuer, shared = (statistics.median(walls) for label, walls in rows if label.startswith(kind))
        print(f"  {kind}: Redis minus issuer = {ms(shared - issuer)} ms")
    print(f"  token requests during (2): {requests} (expected {2 * runs + 1}: every issuer run, one Redis warm-up)")


def main() -> None:
    """Parse the options, run both parts in a throwaway directory, print the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--machines", type=int, default=64, help="simulated machines started at once (default 64)")
    parser.add_argument("--rounds", type=int, default=2, help="stampede rounds per tier (default 2)")
    parser.add_argument("--runs", type=int, default=15, help="timed misses per latency row (default 15)")
    options = parser.parse_args()
    print(f"rightbrain-helper fleet-tier benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"load average at the start: {load()}")
    root = Path(tempfile.mkdtemp(prefix="rightbrain-bench-fleet-"))
    server = TokenServer({CLIENT_ID: CLIENT_SECRET}).start()
    redis = RedisServer(root / "redis").start()
    try:
        part_stampede(root, server, redis, options.machines, options.rounds)
        part_latency(root, server, redis, options.runs)
    finally:
        redis.stop()
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()
