"""The token request as the issuer sees it (RFC 6749 §4.4), each client authentication method (§2.3.1), and how
a good answer becomes a token (§5.1): the real token endpoint on 127.0.0.1, the real requests transport."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import requests

from rightbrain_helper import __version__

from .conftest import CLIENT_ID, CLIENT_SECRET, CliResult, run_cli
from .support.fakes import FakeClock
from .support.profiles import secret_file
from .support.tokenserver import Recorded, Reply, TokenServer

# RFC 6749 Appendix B (application/x-www-form-urlencoded) applied to CLIENT_SECRET = "s3cret+/=%:@!canary"
ENCODED_SECRET = "s3cret%2B%2F%3D%25%3A%40%21canary"


def write_config(env: dict[str, str], text: str) -> Path:
    """Write $XDG_CONFIG_HOME/rightbrain-helper/config.toml, mode 600."""
    path = Path(env["XDG_CONFIG_HOME"]) / "rightbrain-helper" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def use_profile(env: dict[str, str], server: TokenServer, body: str = "", client_id: str = CLIENT_ID) -> None:
    """Move token URL, client id and secret (as a file) from the environment into [profiles.wire], plus `body`
    (TOML lines); `--profile wire` ignores the environment's client."""
    secret = secret_file(env)
    env.pop("RIGHTBRAIN_TOKEN_URL")
    env.pop("RIGHTBRAIN_CLIENT_ID")
    write_config(
        env,
        f'[profiles.wire]\ntoken_url = "{server.url}"\nclient_id = "{client_id}"\n'
        f'client_secret_file = "{secret}"\n{body}\n',
    )


def run_wire(env: dict[str, str], command: str = "token", *extra: str) -> CliResult:
    """Run one command with the `wire` profile and a fake clock."""
    return run_cli([command, "--profile", "wire", *extra], env, clock=FakeClock())


def only_request(server: TokenServer) -> Recorded:
    """The one token request the server saw."""
    requests_seen = server.token_requests()
    assert len(requests_seen) == 1, [item.form for item in requests_seen]
    return requests_seen[0]


def basic_pair(recorded: Recorded) -> str:
    """The base64-decoded credentials of the request's Basic Authorization header."""
    scheme, _, value = recorded.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(value, validate=True).decode("utf-8")


def test_request_is_a_form_post_accepting_json_with_versioned_user_agent(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """POST to the configured path, form-encoded, Accept JSON, our User-Agent, nothing in the query string."""
    use_profile(helper_env, token_server)
    result = run_wire(helper_env)
    assert result.code == 0, result.stderr
    recorded = only_request(token_server)
    assert recorded.method == "POST"
    assert recorded.path == "/oauth2/token"
    assert recorded.headers["content-type"] == "application/x-www-form-urlencoded"
    assert recorded.headers["accept"] == "application/json"
    assert recorded.headers["user-agent"] == f"rightbrain-credential-helper/{__version__}"
    assert result.stdout == token_server.issued[0] + "\n"


def test_minimal_body_is_the_grant_alone(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Without scope, audience, resource or extra_params the body is exactly grant_type=client_credentials."""
    use_profile(helper_env, token_server)
    assert run_wire(helper_env).code == 0
    recorded = only_request(token_server)
    assert recorded.form == [("grant_type", "client_credentials")]
    assert recorded.body == b"grant_type=client_credentials"


def test_body_carries_normalized_scope_audience_resources_and_extra_params(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Scope sorted and unique, audience, every resource as its own field, extra_params as given."""
    use_profile(
        helper_env,
        token_server,
        'scope = ["write read", "read admin"]\n'
        'audience = "https://api.example/"\n'
        'resource = ["https://one.example/api", "https://two.example/api"]\n'
        'extra_params = { organization = "acme corp", tenant = "t-1" }',
    )
    result = run_wire(helper_env)
    assert result.code == 0, result.stderr
    form = only_request(token_server).form
    assert sorted(form) == sorted(
        [
            ("grant_type", "client_credentials"),
            ("scope", "admin read write"),
            ("audience", "https://api.example/"),
            ("resource", "https://one.example/api"),
            ("resource", "https://two.example/api"),
            ("organization", "acme corp"),
            ("tenant", "t-1"),
        ]
    )
    assert [value for name, value in form if name == "resource"] == [
        "https://one.example/api",
        "https://two.example/api",
    ]


def test_single_resource_string_is_sent_once(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """`resource` given as a plain string is one resource field."""
    use_profile(helper_env, token_server, 'resource = "https://one.example/api"')
    assert run_wire(helper_env).code == 0
    assert only_request(token_server).form[1:] == [("resource", "https://one.example/api")]


def test_scope_and_audience_flags_override_the_profile(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Repeated --scope values are merged, sorted and deduplicated; --audience replaces the profile's."""
    use_profile(helper_env, token_server, 'scope = "profile-scope"\naudience = "profile-aud"')
    result = run_wire(helper_env, "token", "--scope", "b a", "--scope=a  c", "--audience", "flag-aud")
    assert result.code == 0, result.stderr
    recorded = only_request(token_server)
    assert recorded.field("scope") == "a b c"
    assert recorded.field("audience") == "flag-aud"


def test_extra_params_may_not_smuggle_a_second_credential(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """extra_params naming a reserved field (client_secret) is a config error, and nothing is sent."""
    use_profile(helper_env, token_server, 'extra_params = { client_secret = "other" }')
    result = run_wire(helper_env)
    assert result.code == 3
    assert "extra_params" in result.stderr
    assert "client_secret" in result.stderr
    assert token_server.token_requests() == []


@pytest.mark.parametrize("client_auth", ["basic", "basic-raw", "post"])
def test_exactly_one_authentication_method_and_no_secret_in_the_url(
    helper_env: dict[str, str], token_server: TokenServer, client_auth: str
) -> None:
    """Each client_auth sends the credentials one way only (RFC 6749 §2.3), and never in the URL."""
    token_server.decode_basic = client_auth != "basic-raw"
    use_profile(helper_env, token_server, f'client_auth = "{client_auth}"')
    result = run_wire(helper_env)
    assert result.code == 0, result.stderr
    recorded = only_request(token_server)
    in_header = "authorization" in recorded.headers
    in_body = recorded.field("client_secret") is not None
    assert in_header != in_body
    assert in_body == (client_auth == "post")
    for form in (CLIENT_SECRET, ENCODED_SECRET, "s3cret"):
        assert form not in recorded.path


def test_basic_form_urlencodes_id_and_secret_before_base64(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """client_auth basic (the default): base64 of urlencoded id ':' urlencoded secret, per RFC 6749 §2.3.1."""
    use_profile(helper_env, token_server)
    result = run_wire(helper_env)
    assert result.code == 0, result.stderr
    recorded = only_request(token_server)
    assert basic_pair(recorded) == f"{CLIENT_ID}:{ENCODED_SECRET}"
    assert recorded.field("client_id") is None
    assert CLIENT_SECRET.encode() not in recorded.body


def test_basic_encodes_a_colon_in_the_client_id(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """A client id holding ':' and '@' survives Basic because it is encoded (RFC 7617 forbids a raw ':')."""
    token_server.clients["svc:deploy@acme"] = CLIENT_SECRET
    use_profile(helper_env, token_server, client_id="svc:deploy@acme")
    result = run_wire(helper_env)
    assert result.code == 0, result.stderr
    assert basic_pair(only_request(token_server)) == f"svc%3Adeploy%40acme:{ENCODED_SECRET}"


def test_basic_raw_sends_the_secret_unencoded_as_curl_does(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """client_auth basic-raw: base64 of the raw id:secret, which a server that does not URL-decode accepts."""
    token_server.decode_basic = False
    use_profile(helper_env, token_server, 'client_auth = "basic-raw"')
    result = run_wire(helper_env)
    assert result.code == 0, result.stderr
    assert basic_pair(only_request(token_server)) == f"{CLIENT_ID}:{CLIENT_SECRET}"
    assert result.stdout == token_server.issued[0] + "\n"


def test_encoded_basic_is_refused_by_a_server_that_does_not_decode(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """Against a non-decoding server the default encoding fails with invalid_client: why basic-raw exists."""
    token_server.decode_basic = False
    use_profile(helper_env, token_server)
    result = run_wire(helper_env)
    assert result.code == 4
    assert "invalid_client" in result.stderr
    assert "client_auth" in result.stderr
    assert len(token_server.token_requests()) == 1


def test_post_sends_id_and_secret_in_the_body_only(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """client_auth post: client_id and client_secret as form fields, no Authorization header."""
    use_profile(helper_env, token_server, 'client_auth = "post"\nscope = "read"')
    result = run_wire(helper_env)
    assert result.code == 0, result.stderr
    recorded = only_request(token_server)
    assert "authorization" not in recorded.headers
    assert sorted(recorded.form) == sorted(
        [
            ("grant_type", "client_credentials"),
            ("scope", "read"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ]
    )
    assert f"client_secret={ENCODED_SECRET}".encode() in recorded.body


def json_result(env: dict[str, str]) -> dict[str, object]:
    """Run `json` with the wire profile; return the printed object."""
    result = run_wire(env, "json")
    assert result.code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert isinstance(printed, dict)
    return printed


@pytest.mark.parametrize("token_type", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_bearer_in_any_case_is_accepted_and_normalized(
    helper_env: dict[str, str], token_server: TokenServer, token_type: str
) -> None:
    """token_type is case-insensitive (RFC 6749 §5.1); the helper always reports and sends "Bearer"."""
    token_server.extra_fields["token_type"] = token_type
    use_profile(helper_env, token_server)
    assert json_result(helper_env)["token_type"] == "Bearer"
    header = run_wire(helper_env, "header")
    assert header.stdout == f"Authorization: Bearer {token_server.issued[0]}\n"


@pytest.mark.parametrize("expires_in", [1800, 1800.0, "1800", " 1800 "])
def test_expires_in_as_number_or_numeric_string(
    helper_env: dict[str, str], token_server: TokenServer, expires_in: object
) -> None:
    """expires_in as a JSON number or a numeric string (Azure AD v1 and others) sets the lifetime."""
    token_server.expires_in = expires_in
    use_profile(helper_env, token_server)
    assert json_result(helper_env)["expires_in"] == 1800


def test_absent_expires_in_means_an_hour(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Without expires_in the token is taken to live default_lifetime, 3600 s unless configured."""
    token_server.expires_in = None
    use_profile(helper_env, token_server)
    assert json_result(helper_env)["expires_in"] == 3600


def test_absent_expires_in_uses_the_configured_default_lifetime(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """The profile's default_lifetime applies when the issuer omits expires_in."""
    token_server.expires_in = None
    use_profile(helper_env, token_server, "default_lifetime = 900")
    assert json_result(helper_env)["expires_in"] == 900


def test_a_sent_expires_in_wins_over_default_lifetime(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """default_lifetime is only a fallback: the issuer's expires_in is what counts."""
    token_server.expires_in = 120
    use_profile(helper_env, token_server, "default_lifetime = 900")
    assert json_result(helper_env)["expires_in"] == 120


def test_absurd_expires_in_still_gives_a_printable_expiry(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """A huge expires_in (1e20 s) is capped to a year instead of crashing the date formatting."""
    token_server.expires_in = 1e20
    use_profile(helper_env, token_server)
    printed = json_result(helper_env)
    assert printed["expires_in"] == 366 * 86400
    assert isinstance(printed["expires_at"], str)
    assert printed["expires_at"].endswith("Z")


def test_granted_scope_is_recorded(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """When the issuer grants less than asked, json reports the granted scope, not the requested one."""
    token_server.extra_fields["scope"] = "read"
    use_profile(helper_env, token_server, 'scope = "read write"')
    assert json_result(helper_env)["scope"] == "read"
    assert only_request(token_server).field("scope") == "read write"
    status = run_wire(helper_env, "status")
    assert "read" in status.stdout
    assert "read write" not in status.stdout


def test_requested_scope_is_recorded_when_the_issuer_omits_it(
    helper_env: dict[str, str], token_server: TokenServer
) -> None:
    """No scope in the answer means the requested scope was granted (RFC 6749 §5.1)."""
    token_server.queue(Reply(200, {"access_token": "tok-noscope", "token_type": "Bearer", "expires_in": 600}))
    use_profile(helper_env, token_server, 'scope = "write read"')
    printed = json_result(helper_env)
    assert printed["scope"] == "read write"
    assert printed["access_token"] == "tok-noscope"


def test_unknown_members_of_the_answer_are_ignored(helper_env: dict[str, str], token_server: TokenServer) -> None:
    """Extra members (refresh_token, id_token, vendor fields) do not disturb the token (RFC 6749 §5.1)."""
    token_server.extra_fields.update(refresh_token="rt-1", id_token="x.y.z", ext={"nested": [1, 2]})
    use_profile(helper_env, token_server)
    assert run_wire(helper_env).stdout == token_server.issued[0] + "\n"


def write_netrc(env: dict[str, str]) -> None:
    """A ~/.netrc in the test HOME with other credentials for 127.0.0.1."""
    netrc = Path(env["HOME"]) / ".netrc"
    netrc.write_text("machine 127.0.0.1\nlogin netrc-user\npassword netrc-pass\n", encoding="utf-8")
    netrc.chmod(0o600)


def test_netrc_is_not_added_to_a_post_request(
    helper_env: dict[str, str], token_server: TokenServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With client_auth post, credentials from ~/.netrc for the issuer's host never become an Authorization header."""
    monkeypatch.delenv("NETRC", raising=False)
    write_netrc(helper_env)
    assert requests.utils.get_netrc_auth(token_server.url) == ("netrc-user", "netrc-pass")  # requests would use it
    use_profile(helper_env, token_server, 'client_auth = "post"')
    result = run_wire(helper_env)
    assert result.code == 0, result.stderr
    recorded = only_request(token_server)
    assert "authorization" not in recorded.headers
    assert b"netrc" not in recorded.body


def test_netrc_does_not_replace_basic_credentials(
    helper_env: dict[str, str], token_server: TokenServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With client_auth basic the Authorization header is the client's, whatever ~/.netrc says."""
    monkeypatch.delenv("NETRC", raising=False)
    write_netrc(helper_env)
    use_profile(helper_env, token_server)
    result = run_wire(helper_env)
    assert result.code == 0, result.stderr
    assert basic_pair(only_request(token_server)) == f"{CLIENT_ID}:{ENCODED_SECRET}"
