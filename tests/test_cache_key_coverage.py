"""Every setting either shapes the cache key or is on the explicit list of settings that do not change the token
granted (settings/model.py), so a new certificate, key or secret can never share a cached token with the old one;
and the fleet tier's names and seals follow the same key material (fleet/seal.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.fleet.seal import key_material, slot_for
from rightbrain_helper.settings.model import (
    CLIENT_AUTH_METHODS,
    KEY_SETTINGS,
    NEUTRAL_SETTINGS,
    TLS_SETTINGS,
    SecretSource,
    Settings,
)
from rightbrain_helper.token.cache import entry_key
from rightbrain_helper.token.client_auth import METHODS, client_auth_for, fleet_secret_for

from .support.clientauth import mint, new_key, write_key
from .support.tls import Certificate, make_ca, make_client_certificate

Change = Callable[[Settings, Path], Settings]


def env_secret(value: str) -> SecretSource:
    """A secret from RIGHTBRAIN_CLIENT_SECRET."""
    return SecretSource("env", "RIGHTBRAIN_CLIENT_SECRET", value=value)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> tuple[Certificate, Certificate]:
    """Two client certificates (with keys) from one throwaway CA."""
    directory = tmp_path_factory.mktemp("certs")
    ca = make_ca(directory)
    return make_client_certificate(ca, directory, "one"), make_client_certificate(ca, directory, "two")


def settings_for(method: str, tmp_path: Path, certificate: Certificate | None = None) -> Settings:
    """Settings for `method` with every file it needs written under `tmp_path` (and a client certificate)."""
    key = write_key(tmp_path / "client.key", new_key())
    assertion = tmp_path / "assertion.jwt"
    assertion.write_text(mint(new_key(), {"sub": "workload", "exp": 2_000_000_000}))
    return Settings(
        profile="p",
        token_url="https://issuer.example/token",
        client_id="client-1",
        secret=env_secret("s3cret"),
        client_auth=method,
        private_key_file=str(key),
        client_assertion_file=str(assertion),
        tls_client_cert=str(certificate.cert) if certificate else "",
        tls_client_key=str(certificate.key) if certificate else "",
        cache_dir=str(tmp_path / "cache"),
    )


def test_every_setting_is_in_the_key_or_listed_as_not_changing_the_token() -> None:
    """Each Settings attribute belongs to exactly one group: keyed by value, a method's own, TLS, or neutral."""
    attributes = set(vars(Settings(profile="p", token_url="u", client_id="c")))
    method_settings = {name for method in METHODS.values() for name in method.settings}
    groups = [set(KEY_SETTINGS), method_settings, set(TLS_SETTINGS), set(NEUTRAL_SETTINGS)]
    assert set().union(*groups) == attributes, "classify the new setting in settings/model.py"
    assert sum(len(group) for group in groups) == len(attributes), "a setting is in two groups"
    assert set(METHODS) == set(CLIENT_AUTH_METHODS)


KEYED: dict[str, object] = {
    "token_url": "https://other.example/token",
    "issuer": "https://login.example",
    "client_id": "client-2",
    "client_auth": "client_secret_post",
    "scopes": ("read",),
    "audience": "https://api.example",
    "resources": ("https://api.example/v1",),
    "extra_params": (("organization", "acme"),),
}
NEUTRAL: dict[str, object] = {
    "profile": "other",
    "default_lifetime": 60.0,
    "min_valid": 5.0,
    "ca_bundle": "/etc/ssl/private-ca.pem",
    "connect_timeout": 1.0,
    "read_timeout": 1.0,
    "deadline": 3.0,
    "lock_timeout": 1.0,
    "cache_dir": "/elsewhere",
    "use_cache": False,
    "shared_cache": "redis://127.0.0.1:1/0",
    "shared_cache_password_file": "/run/redis.pw",
    "shared_cache_timeout": 0.1,
    "shared_cache_ca_bundle": "/etc/ssl/redis-ca.pem",
    "discovery_lifetime": 60.0,
    "revoke": False,
    "metadata": object(),  # what discovery found: only ever set on a miss's copy, never part of who the client is
}


def test_each_keyed_setting_changes_the_key(tmp_path: Path) -> None:
    """Changing any KEY_SETTINGS value gives another cache entry (every one has a row here)."""
    assert set(KEYED) == set(KEY_SETTINGS)
    base = settings_for("client_secret_basic", tmp_path)
    for name, value in KEYED.items():
        assert entry_key(base.replace(**{name: value})) != entry_key(base), name


def test_neutral_settings_leave_the_key_alone(tmp_path: Path) -> None:
    """Changing a NEUTRAL_SETTINGS value keeps the cache entry: it does not change the token granted."""
    assert set(NEUTRAL) == set(NEUTRAL_SETTINGS)
    base = settings_for("client_secret_basic", tmp_path)
    for name, value in NEUTRAL.items():
        assert entry_key(base.replace(**{name: value})) == entry_key(base), name


def rewrite_key(settings: Settings, tmp_path: Path) -> Settings:
    """A new private key at the same path."""
    write_key(Path(settings.private_key_file), new_key("ec"))
    return settings


METHOD_CHANGES: dict[str, dict[str, Change]] = {
    "secret": {"secret": lambda s, _: s.replace(secret=env_secret("rotated"))},
    "key": {
        "private_key_file": rewrite_key,
        "private_key_alg": lambda s, _: s.replace(private_key_alg="PS256"),
        "private_key_kid": lambda s, _: s.replace(private_key_kid="key-2"),
        "private_key_aud": lambda s, _: s.replace(private_key_aud="issuer"),
    },
    "assertion": {"client_assertion_file": lambda s, tmp: s.replace(client_assertion_file=str(tmp / "other.jwt"))},
}


@pytest.mark.parametrize("method", CLIENT_AUTH_METHODS)
def test_each_setting_of_a_method_changes_its_key(
    method: str, tmp_path: Path, certificates: tuple[Certificate, Certificate]
) -> None:
    """Under each method, changing any setting it reads (a key file's content included) gives another entry."""
    changes = {name: change for group in METHOD_CHANGES.values() for name, change in group.items()}
    for name in METHODS[method].settings:
        base = settings_for(method, tmp_path, certificates[0])
        before = entry_key(base)
        assert entry_key(changes[name](base, tmp_path)) != before, (method, name)


def test_a_new_certificate_or_key_path_is_a_new_entry_for_any_method(
    tmp_path: Path, certificates: tuple[Certificate, Certificate]
) -> None:
    """A certificate-bound token belongs to its certificate: another certificate or key file, another entry."""
    one, two = certificates
    for method in ("client_secret_basic", "private_key_jwt", "tls_client_auth"):
        base = settings_for(method, tmp_path, one)
        assert entry_key(base.replace(tls_client_cert=str(two.cert))) != entry_key(base)
        assert entry_key(base.replace(tls_client_key=str(two.key))) != entry_key(base)
        assert entry_key(base) != entry_key(settings_for(method, tmp_path))  # with and without a certificate


def test_a_rotated_client_assertion_keeps_its_entry(tmp_path: Path) -> None:
    """The platform rewriting client_assertion_file (same path, new JWT) keeps the cache key: same identity."""
    base = settings_for("client_assertion", tmp_path)
    before = entry_key(base)
    Path(base.client_assertion_file).write_text(mint(new_key(), {"sub": "workload", "exp": 2_000_000_500}))
    assert entry_key(base) == before


def test_the_same_private_key_in_two_places_is_one_entry(tmp_path: Path) -> None:
    """private_key_jwt is keyed by the key's content, not its path (as a secret is by value, not by source)."""
    base = settings_for("private_key_jwt", tmp_path)
    copy = tmp_path / "copy.key"
    copy.write_bytes(Path(base.private_key_file).read_bytes())
    copy.chmod(0o600)
    assert entry_key(base.replace(private_key_file=str(copy))) == entry_key(base)


def test_aliases_and_canonical_names_share_entries(tmp_path: Path) -> None:
    """basic and post (the old names) are client_secret_basic and client_secret_post: one method, one entry."""
    base = settings_for("client_secret_basic", tmp_path)
    for alias, canonical in (("basic", "client_secret_basic"), ("post", "client_secret_post")):
        assert client_auth_for(base.replace(client_auth=alias)) is METHODS[canonical]
        assert entry_key(base.replace(client_auth=alias)) == entry_key(base.replace(client_auth=canonical))


def test_fleet_names_follow_the_key_material(tmp_path: Path, certificates: tuple[Certificate, Certificate]) -> None:
    """The fleet entry's name changes with the certificate and the method's settings, not with the secret (which
    enters through HKDF instead): the fleet shares exactly what the local cache would."""
    one, two = certificates
    base = settings_for("client_secret_basic", tmp_path, one)
    assert key_material(base.replace(tls_client_cert=str(two.cert))) != key_material(base)
    assert key_material(base.replace(secret=env_secret("rotated"))) == key_material(base)
    jwt_settings = settings_for("private_key_jwt", tmp_path)
    assert key_material(jwt_settings.replace(private_key_kid="k2")) != key_material(jwt_settings)


@pytest.mark.parametrize("method", ["private_key_jwt", "tls_client_auth"])
def test_fleet_entries_are_sealed_by_the_private_key(
    method: str, tmp_path: Path, certificates: tuple[Certificate, Certificate]
) -> None:
    """private_key_jwt seals with its private key, tls_client_auth with its TLS key: a new key (at the same path)
    names and seals another entry, and the secret variable plays no part."""
    one, two = certificates
    settings = settings_for(method, tmp_path, one)
    before = slot_for(settings, fleet_secret_for(settings, 0.0))
    assert before.name == slot_for(settings.replace(secret=env_secret("x")), fleet_secret_for(settings, 0.0)).name
    if method == "private_key_jwt":
        rewrite_key(settings, tmp_path)
    else:
        settings = settings.replace(tls_client_key=str(two.key))
    after = slot_for(settings, fleet_secret_for(settings, 0.0))
    assert after.name != before.name
    assert after.open(before.seal(b"entry")) is None


def test_client_assertion_has_nothing_to_seal_a_fleet_entry_with(tmp_path: Path) -> None:
    """client_assertion refuses the fleet tier: its only credential rotates and its claims are public."""
    settings = settings_for("client_assertion", tmp_path)
    with pytest.raises(ConfigError, match="cannot use the fleet tier"):
        fleet_secret_for(settings, 1_900_000_000.0)
