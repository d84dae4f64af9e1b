"""The host list against the tools: an entry no tool's configuration sends to this helper is information (bazel
and the go command read the list as it is, without a config of their own for doctor to read)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rightbrain_helper.errors import HelperError

from .checks import Check, info

if TYPE_CHECKING:
    from .context import Doctor


def unused_host_checks(doctor: Doctor) -> list[Check]:
    """One information line per host-list entry that the tool checks before this one found no tool using.
    Runs after them (report.py keeps the order)."""
    try:
        entries = doctor.hosts()
    except HelperError:
        return []
    return [
        info(
            f"host list: {entry.name} ({_source(entry.tools)}) is used by no tool's configuration here; bazel and "
            "the go command (GOAUTH) may still use it"
        )
        for entry in entries
        if entry.name not in doctor.served
    ]


def _source(tools: tuple[str, ...] | None) -> str:
    """Which tools the entry says it serves."""
    return f"for {', '.join(tools)}" if tools else "for every tool"
