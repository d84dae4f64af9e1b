"""Discovered metadata on disk: one private file per issuer in the cache directory, `<key>.issuer` (40 hex digits
of a hash of the issuer), written like a token entry (0600, temp file + fsync + rename, never followed through a
symlink) so that `status` and `clear`, which handle only `<key>.token`, never take it for a token.

Read only on a token cache miss, never on a hit. Anything wrong with the file (missing, not ours, corrupt, for
another issuer) is a miss: discovery runs again. A cache directory that cannot be used is no error here: the
metadata is then simply fetched again next time.
"""

from __future__ import annotations

import json
import os

from rightbrain_helper.jsonin import JsonInputError, loads_bounded
from rightbrain_helper.oauth.metadata import stored_metadata
from rightbrain_helper.private_files import (
    DirectoryInTheWay,
    MissingFile,
    UnsafeDirectory,
    UnsafeFile,
    digest,
    ensure_private_dir,
    read_private_file,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rightbrain_helper.log import Log
    from rightbrain_helper.oauth.metadata import IssuerMetadata

METADATA_SUFFIX = ".issuer"
KEY_LENGTH = 40
MAX_METADATA_BYTES = 64 * 1024
FUTURE_TOLERANCE = 5.0  # seconds fetched_at may lie ahead of the clock, as for token entries


def metadata_path(cache_dir: str, issuer: str) -> str:
    """The file that holds `issuer`'s metadata."""
    return os.path.join(cache_dir, digest("issuer-metadata-v1", issuer)[:KEY_LENGTH] + METADATA_SUFFIX)


def is_metadata_name(name: str) -> bool:
    """Whether `name` is a metadata file name this module writes."""
    key, suffix = name[:KEY_LENGTH], name[KEY_LENGTH:]
    return suffix == METADATA_SUFFIX and len(key) == KEY_LENGTH and set(key) <= set("0123456789abcdef")


def is_fresh(metadata: IssuerMetadata, lifetime: float, now: float) -> bool:
    """Whether metadata fetched at `metadata.fetched_at` may be used at `now` without asking again (seconds)."""
    return metadata.fetched_at - FUTURE_TOLERANCE <= now < metadata.fetched_at + lifetime


def load_metadata(cache_dir: str, issuer: str, log: Log) -> IssuerMetadata | None:
    """`issuer`'s cached metadata, fresh or not, or None (with a debug line, or a warning for a file that is
    not ours or not private)."""
    path = metadata_path(cache_dir, issuer)
    try:
        data = read_private_file(path, limit=MAX_METADATA_BYTES)
    except (MissingFile, DirectoryInTheWay):
        return None
    except UnsafeFile as exc:
        log.warn(f"ignoring the cached metadata of issuer {issuer} ({path}): {exc}; discovering it again")
        return None
    try:
        document = loads_bounded(data.decode("utf-8"), max_chars=MAX_METADATA_BYTES)
    except (UnicodeDecodeError, JsonInputError):
        document = None
    metadata = stored_metadata(document, issuer)
    if metadata is None:
        log.debug(f"the cached metadata of issuer {issuer} is not in the expected format; discovering it again")
    return metadata


def save_metadata(cache_dir: str, metadata: IssuerMetadata, log: Log, now: float) -> None:
    """Write the metadata file atomically (0600, directory 0700), then remove crashed writers' temp files of it;
    a failure is a debug line, never an error."""
    from rightbrain_helper.fswrite import remove_orphan_temps, write_private_atomic  # noqa: PLC0415

    path = metadata_path(cache_dir, metadata.issuer)
    data = json.dumps(metadata.to_document(), sort_keys=True).encode("utf-8")
    try:
        ensure_private_dir(cache_dir)
        write_private_atomic(path, data, replace_empty_dir=True)
    except (UnsafeDirectory, OSError) as exc:
        log.debug(f"the metadata of issuer {metadata.issuer} was not cached: {exc}")
        return
    name = os.path.basename(path)
    remove_orphan_temps(cache_dir, lambda stem: stem.startswith(name + "."), now)


def remove_all_metadata(cache_dir: str) -> int:
    """Delete every metadata file in `cache_dir` (for `clear`); best effort, the count removed."""
    try:
        names = os.listdir(cache_dir)
    except OSError:
        return 0
    removed = 0
    for name in names:
        if is_metadata_name(name):
            try:
                os.unlink(os.path.join(cache_dir, name))
                removed += 1
            except OSError:
                pass
    return removed
