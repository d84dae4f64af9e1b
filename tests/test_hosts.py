"""Which hosts get a token: exact, case-insensitive, port-aware matching; never by suffix."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightbrain_helper.errors import ConfigError
from rightbrain_helper.netaddr import split_authority
from rightbrain_helper.settings.hosts import find_host
from rightbrain_helper.settings.load import ConfigContext, load_context


def _context(tmp_path: Path, config: str, hosts_env: str = "") -> ConfigContext:
    """A config context over a config file holding `config`."""
    path = tmp_path / "config.toml"
    path.write_text(config)
    path.chmod(0o600)
    env = {"RIGHTBRAIN_CONFIG": str(path), "RIGHTBRAIN_CACHE_DIR": str(tmp_path / "cache")}
    if hosts_env:
        env["RIGHTBRAIN_HOSTS"] = hosts_env
    return load_context(env)


CONFIG = """
[hosts."git.example.com"]
profile = "prod"
username = "bot"

[hosts."git.example.com:8443"]
profile = "staging"

[hosts."Registry.Example.com:5000"]
scope = "pull"
"""


@pytest.mark.parametrize(
    ("host", "port", "profile"),
    [
        ("git.example.com", "", "prod"),
        ("GIT.EXAMPLE.COM", "443", "prod"),
        ("git.example.com", "8443", "staging"),
        ("registry.example.com", "5000", ""),
    ],
)
def test_configured_hosts_match_exactly(tmp_path: Path, host: str, port: str, profile: str) -> None:
    """A host-only entry matches any port; a host:port entry wins for its port; case does not matter."""
    entry = find_host(_context(tmp_path, CONFIG), host, port)
    assert entry is not None
    assert entry.profile == profile


@pytest.mark.parametrize(
    ("host", "port"),
    [
        ("evil-git.example.com", ""),
        ("example.com", ""),
        ("git.example.com.evil.net", ""),
        ("registry.example.com", "5001"),
        ("registry.example.com", ""),
    ],
)
def test_other_hosts_get_nothing(tmp_path: Path, host: str, port: str) -> None:
    """No suffix, prefix or wrong-port match: an unconfigured host gets no entry."""
    assert find_host(_context(tmp_path, CONFIG), host, port) is None


def test_environment_hosts_use_the_default_profile(tmp_path: Path) -> None:
    """RIGHTBRAIN_HOSTS entries match like config entries, with the default profile."""
    context = _context(tmp_path, "", hosts_env="a.example.com, b.example.com:444")
    assert find_host(context, "a.example.com", "9") is not None
    assert find_host(context, "b.example.com", "444") is not None
    assert find_host(context, "b.example.com", "443") is None


def test_ipv6_literals_split_cleanly() -> None:
    """Bracketed IPv6 hosts keep their colons; the port is split off."""
    assert split_authority("[::1]:8443") == ("::1", "8443")
    assert split_authority("[::1]") == ("::1", "")
    assert split_authority("Host.Example:80") == ("host.example", "80")


def test_bad_host_table_is_a_config_error(tmp_path: Path) -> None:
    """An unknown key in a host table names the table, the key and the file."""
    context = _context(tmp_path, '[hosts."h.example"]\nprofil = "x"\n')
    with pytest.raises(ConfigError, match=r'hosts\."h\.example".*profil'):
        find_host(context, "h.example")


@pytest.mark.parametrize(
    ("config", "hosts_env", "named"),
    [
        ('[hosts."my_registry"]\n', "", r'\[hosts\."my_registry"\]'),
        ('[hosts."h.example:99999"]\n', "", r'\[hosts\."h\.example:99999"\]'),
        ("", "ok.example.com, bad host", "RIGHTBRAIN_HOSTS: 'bad host'"),
    ],
)
def test_a_host_list_name_that_is_no_host_is_a_config_error(
    tmp_path: Path, config: str, hosts_env: str, named: str
) -> None:
    """A host-list name outside the one host syntax (helper/netaddr.py) names itself and where it is, exit 3."""
    with pytest.raises(ConfigError, match=named + ".*is not HOST\\[:PORT\\]"):
        find_host(_context(tmp_path, config, hosts_env=hosts_env), "ok.example.com")
