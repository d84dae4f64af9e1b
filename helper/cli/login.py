"""`rightbrain-helper login [--profile NAME]`: put the profile's client secret into the OS keyring.

The secret is read from a prompt without echo when stdin is a terminal, else from stdin (one line, so
`pass show x | rightbrain-helper login` works); never from the command line. It is stored under the profile's
`client_secret_keyring`, or `rightbrain-helper/<client id>` (then the line to add to the profile is printed).
Needs the `keyring` extra.
"""

from __future__ import annotations

from rightbrain_helper.errors import EXIT_OK, ConfigError, UsageError
from rightbrain_helper.jsonout import dumps
from rightbrain_helper.private_files import MAX_FILE_BYTES
from rightbrain_helper.settings.issuer import keyring_entry
from rightbrain_helper.settings.load import Overrides, select_profile
from rightbrain_helper.settings.provenance import SECRET_VARIABLES
from rightbrain_helper.token.keyring_secret import store_keyring_secret

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.runtime import Runtime
    from rightbrain_helper.settings.provenance import Origins

DEFAULT_SERVICE = "rightbrain-helper"
OTHER_SOURCES = ("client_secret_file", "client_secret_command")  # these win over client_secret_keyring


def login(profile: str, runtime: Runtime) -> int:
    """Read the secret, store it, and say where (and what to add to the config file, if anything)."""
    context = runtime.context()
    origins = select_profile(context, Overrides(profile=profile, origin="--profile"))
    where = f"[profiles.{origins.name}] of {context.path}"
    client_id = str(origins.pick("client_id"))
    if not client_id:
        raise ConfigError(f"no client id for profile {origins.name}: set client_id in {where} first")
    configured = origins.profile.get("client_secret_keyring")
    entry = keyring_entry(str(configured), where) if configured else f"{DEFAULT_SERVICE}/{client_id}"
    secret = read_new_secret(runtime, f"client secret for profile {origins.name} (client {client_id}): ")
    runtime.log.mask(secret)
    backend = store_keyring_secret(entry, secret)
    runtime.stdout.write(f"stored the client secret of profile {origins.name} in the keyring as {entry} ({backend})\n")
    if not configured:
        runtime.stdout.write(f"add this line to {where}:\nclient_secret_keyring = {dumps(entry)}\n")
    _warn_if_shadowed(origins, runtime)
    return EXIT_OK


def read_new_secret(runtime: Runtime, prompt: str) -> str:
    """One line from a no-echo prompt (stdin a terminal) or from stdin (a trailing newline dropped); UsageError
    when it is empty, more than one line, or longer than a secret file may be."""
    stdin = runtime.stdin
    if stdin.isatty():
        import getpass  # noqa: PLC0415

        text = getpass.getpass(prompt)
    else:
        text = stdin.read(MAX_FILE_BYTES + 2)
        if len(text) > MAX_FILE_BYTES + 1:
            raise UsageError(f"the secret on stdin is longer than {MAX_FILE_BYTES} characters")
        text = text.removesuffix("\n").removesuffix("\r")
    if "\n" in text or "\r" in text:
        raise UsageError("stdin holds more than one line; give only the client secret")
    if not text:
        raise UsageError("no client secret given (type it at the prompt, or pipe it on stdin)")
    return text


def _warn_if_shadowed(origins: Origins, runtime: Runtime) -> None:
    """A warning when another secret source of the profile comes first, so the keyring entry would not be used."""
    shadowing = [key for key in OTHER_SOURCES if origins.profile.get(key)]
    shadowing += [name for name in SECRET_VARIABLES if origins.variable(name)]
    if shadowing:
        runtime.log.warn(
            f"profile {origins.name} takes its secret from {', '.join(shadowing)} first; "
            "remove that for the keyring entry to be used"
        )
