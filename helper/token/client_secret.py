"""Client-secret sources: an environment variable, a private file, a command or the OS keyring; and their
fingerprints.

The secret itself is read only when a token must be fetched. The cache key needs just a fingerprint, which for
env and file secrets is a hash of the secret (so rotating it starts a new cache entry), for a command a hash of
the command line (running the command on every cache hit would cost more than the hit itself), and for the
keyring a hash of the entry's "service/name" (asking the keyring, and importing it, on every hit would too): a
secret rotated in the command's store or the keyring needs `rightbrain-helper clear`.
"""

from __future__ import annotations

from rightbrain_helper.errors import ConfigError, one_line
from rightbrain_helper.private_files import UnsafeFile, digest, read_private_file
from rightbrain_helper.settings.model import SecretSource


def read_secret(source: SecretSource) -> str:
    """Return the client secret from its source, or raise ConfigError naming the source (never the secret)."""
    if source.kind == "env":
        secret = source.value
    elif source.kind == "file":
        secret = _read_secret_file(source.origin)
    elif source.kind == "command":
        secret = _run_secret_command(source)
    elif source.kind == "keyring":
        from rightbrain_helper.token.keyring_secret import read_keyring_secret  # noqa: PLC0415  (miss path only)

        secret = read_keyring_secret(source.origin)
    else:
        raise ConfigError("no client secret: set RIGHTBRAIN_CLIENT_SECRET, client_secret_file or client_secret_command")
    if not secret:
        raise ConfigError(f"the client secret from {source.kind} {source.origin!r} is empty")
    return secret


def secret_fingerprint(source: SecretSource) -> str:
    """A hash that changes when the secret (env, file), the secret command or the keyring entry changes; never
    reveals the secret, and never runs the command or asks the keyring."""
    if source.kind == "command":
        return digest("command", *source.argv)
    if source.kind == "keyring":
        return digest("keyring", source.origin)
    return digest("secret", read_secret(source))  # the same secret from env or file: the same entry


def _read_secret_file(path: str) -> str:
    """Read a one-line secret from a regular file owned by the user (or root) and private to it, as ssh insists."""
    try:
        data = read_private_file(path, allow_root_owner=True, follow=True)
    except UnsafeFile as exc:
        raise ConfigError(f"client secret file {path}: {exc}; it must be a file you own with mode 600") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"client secret file {path}: not UTF-8 text") from None
    secret = text.rstrip("\r\n")
    if "\n" in secret or "\r" in secret:
        raise ConfigError(f"client secret file {path}: holds more than one line; it must hold only the secret")
    return secret


def _run_secret_command(source: SecretSource) -> str:
    """Run client_secret_command without a shell and return the first line of its stdout."""
    import subprocess  # noqa: PLC0415  (miss path only)

    try:
        done = subprocess.run(
            source.argv, capture_output=True, timeout=source.timeout, stdin=subprocess.DEVNULL, check=False
        )
    except FileNotFoundError:
        raise ConfigError(
            f"client_secret_command: {source.origin!r} not found; check the command in the profile"
        ) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"client_secret_command {source.origin!r} took more than {source.timeout:g} s") from None
    except OSError as exc:
        raise ConfigError(f"client_secret_command {source.origin!r} could not run: {exc.strerror}") from None
    if done.returncode != 0:
        excerpt = one_line(done.stderr.decode("utf-8", "replace"), 200)
        raise ConfigError(f"client_secret_command {source.origin!r} exited with {done.returncode}: {excerpt}")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return lines[0].strip() if lines else ""
