"""The report: every check in order, one line each as soon as it is known, then a summary line. Exit 0 when no
check failed, 1 (EXIT_FAILURE) when any did: doctor reports several independent problems, so no single error
class's code would describe the run; the ✗ lines say which. A check that raises is a failed line of its own,
never the end of the report. Every line is one line, and passes through the log's mask (which holds every
form of the client secret once it is read, and the token), so neither can be printed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rightbrain_helper.errors import EXIT_FAILURE, EXIT_OK, HelperError, one_line

from . import extensions
from .cache import cache_checks
from .cargo_tool import cargo_checks
from .checks import ASCII_MARKS, FAIL, INFO, MARKS, Check, CheckFunction, fail
from .context import Doctor
from .docker_tool import docker_checks
from .endpoint_checks import endpoint_checks
from .fleet import fleet_checks
from .git_tool import git_checks
from .hostlist_use import unused_host_checks
from .kubectl_tool import kubectl_checks
from .setup import config_file_check, profile_check, secret_check
from .terraform_tool import terraform_checks

if TYPE_CHECKING:
    from typing import TextIO

    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.load import Overrides

MAX_LINE = 2000  # characters: a path or a server's words, never a screenful


def check_sequence() -> list[tuple[str, CheckFunction]]:
    """(name, check) in the order they run and print. Read when doctor runs, so checks added to
    extensions.ISSUER_CHECKS count. The tool checks fill Doctor.served before unused_host_checks reads it."""
    return [
        ("config", config_file_check),
        ("profile", profile_check),
        ("client secret", secret_check),
        ("client_auth", extensions.client_auth_checks),
        *(("issuer", check) for check in extensions.ISSUER_CHECKS),
        ("token endpoint", endpoint_checks),
        ("cache", cache_checks),
        ("git", git_checks),
        ("docker", docker_checks),
        ("kubectl", kubectl_checks),
        ("terraform", terraform_checks),
        ("cargo", cargo_checks),
        ("host list", unused_host_checks),
        ("fleet tier", fleet_checks),
    ]


def run(overrides: Overrides, runtime: Runtime) -> int:
    """Run every check, print each line and the summary; EXIT_FAILURE if any check failed, else EXIT_OK."""
    doctor = Doctor(runtime, overrides)
    marks = marks_for(runtime.stdout)
    results: list[Check] = []
    for name, check in check_sequence():
        for result in guarded(name, check, doctor):
            results.append(result)
            line = one_line(runtime.log.redact(result.line), MAX_LINE)
            runtime.stdout.write(f"{marks[result.status]} {line}\n")
            runtime.stdout.flush()
    runtime.stdout.write(summary(results, marks) + "\n")
    return EXIT_FAILURE if any(result.status == FAIL for result in results) else EXIT_OK


def guarded(name: str, check: CheckFunction, doctor: Doctor) -> list[Check]:
    """The check's lines; what it raises becomes one failed line, so the other checks still run."""
    try:
        return check(doctor)
    except HelperError as exc:
        return [fail(f"{name}: {exc}")]
    except OSError as exc:
        return [fail(f"{name}: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))]
    except Exception as exc:  # a bug in one check must not hide the others
        return [
            fail(
                f"{name}: internal error in this check: {type(exc).__name__}: {one_line(str(exc), 200)}; "
                "please report it"
            )
        ]


def summary(results: list[Check], marks: dict[str, str]) -> str:
    """'all N checks passed' (and how many lines were information), or 'F of N checks failed'."""
    counted = [result for result in results if result.status != INFO]
    failed = sum(1 for result in counted if result.status == FAIL)
    notes = len(results) - len(counted)
    noted = f" ({notes} note{'s' if notes != 1 else ''})" if notes else ""
    if failed:
        return f"{failed} of {len(counted)} checks failed{noted}; fix the {marks[FAIL]} lines and run doctor again"
    return f"all {len(counted)} checks passed{noted}"


def marks_for(stream: TextIO) -> dict[str, str]:
    """✓ ✗ · when `stream` can encode them, else ok / FAIL / -- (a stdout in ASCII or Latin-1)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "".join(MARKS.values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return ASCII_MARKS
    return MARKS
