"""Our own block in another tool's hand-edited config file (terraform's CLI config, cargo's config.toml).

The block sits between a `# BEGIN rightbrain-helper <what>` and a `# END rightbrain-helper <what>` comment line
(`#` starts a comment in both HCL and TOML). configure appends it or replaces it in place; unconfigure removes
exactly those lines. Everything outside the markers is left byte for byte; a BEGIN without its END, or the same
block twice, is reported instead of guessed at.
"""

from __future__ import annotations

from rightbrain_helper.errors import ConfigError

MARK = "rightbrain-helper"


def begin_line(what: str) -> str:
    """The opening marker line."""
    return f"# BEGIN {MARK} {what} (written by `rightbrain-helper configure`; unconfigure removes it)\n"


def end_line(what: str) -> str:
    """The closing marker line."""
    return f"# END {MARK} {what}\n"


def find_block(text: str, what: str, path: str) -> tuple[int, int] | None:
    """Line indexes of our block for `what`: its BEGIN line and the line after its END; None when absent."""
    lines = text.splitlines(keepends=True)
    begins = [index for index, line in enumerate(lines) if _is_marker(line, "BEGIN", what)]
    ends = [index for index, line in enumerate(lines) if _is_marker(line, "END", what)]
    if not begins and not ends:
        return None
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise ConfigError(
            f"{path}: the `# BEGIN/END {MARK} {what}` lines are not one pair; fix them by hand, nothing was changed"
        )
    return begins[0], ends[0] + 1


def block_body(text: str, what: str, path: str) -> str | None:
    """The lines between our markers, or None when there is no block."""
    span = find_block(text, what, path)
    if span is None:
        return None
    lines = text.splitlines(keepends=True)
    return "".join(lines[span[0] + 1 : span[1] - 1])


def with_block(text: str, what: str, body: str, path: str) -> str:
    """`text` with our block for `what` holding `body`: replaced in place, or appended after a blank line."""
    block = begin_line(what) + body + end_line(what)
    span = find_block(text, what, path)
    if span is not None:
        lines = text.splitlines(keepends=True)
        return "".join([*lines[: span[0]], block, *lines[span[1] :]])
    if not text:
        return block
    separator = "\n" if text.endswith("\n") else "\n\n"
    return text + ("" if text.endswith("\n\n") else separator) + block


def without_block(text: str, what: str, path: str) -> str:
    """`text` without our block for `what` (and without the blank line configure put before it)."""
    span = find_block(text, what, path)
    if span is None:
        return text
    lines = text.splitlines(keepends=True)
    before, after = lines[: span[0]], lines[span[1] :]
    if before and before[-1] == "\n" and not after:
        before = before[:-1]
    return "".join(before + after)


def _is_marker(line: str, kind: str, what: str) -> bool:
    """Whether `line` is our BEGIN or END marker for `what`."""
    prefix = f"# {kind} {MARK} {what}"
    stripped = line.strip()
    return stripped == prefix or stripped.startswith(prefix + " ")
