"""What `--help` prints: the overview, and one text per command. Imported only when help is asked for."""

from __future__ import annotations

USAGE = """\
usage: rightbrain-helper [OPTIONS] COMMAND

Get OAuth 2.0 client-credentials access tokens, shared through a cross-process cache.

commands (rightbrain-helper COMMAND --help for each):
  token         print the access token and a newline
  header        print "Authorization: Bearer <token>"
  json          print a JSON object: access_token, token_type, expires_at (RFC 3339), expires_in, scope
  status        list cached tokens (profile, issuer, client id, scope, expiry); never the tokens
  clear         remove cached tokens (all, or those of --profile), revoking them at issuers that can
  login         store the profile's client secret in the OS keyring (prompt or stdin, never argv)
  kubectl       act as a kubectl exec credential plugin
  configure     set up git, docker or kubectl to use this helper (configure --help)
  unconfigure   undo configure

options:
  --profile NAME     profile from the config file (default: RIGHTBRAIN_PROFILE, default_profile, "default");
                     a profile named here or in RIGHTBRAIN_PROFILE ignores RIGHTBRAIN_TOKEN_URL, _CLIENT_ID,
                     _CLIENT_SECRET(_FILE), _SCOPE and _AUDIENCE
  --scope SCOPE      scopes to request, space-separated (repeatable)
  --audience AUD     audience parameter to send
  --no-cache         neither read nor write the cache
  --force-refresh    fetch a new token even if the cached one is fresh
  -v, --verbose      debug lines on stderr, including where each setting came from (tokens and secrets masked)
  --version          print the version
  -h, --help         show this help

The client secret is never taken from the command line: use RIGHTBRAIN_CLIENT_SECRET, RIGHTBRAIN_CLIENT_SECRET_FILE,
or client_secret_file / client_secret_command / client_secret_keyring in the config file
(~/.config/rightbrain-helper/config.toml, or RIGHTBRAIN_CONFIG).

exit codes: 0 ok, 1 internal error, 2 usage, 3 configuration (settings, config file, secret source),
4 the token endpoint refused, 5 the token endpoint was unreachable or failing, 6 the cache directory is unusable.
"""

TOKEN_OPTIONS = "[--profile NAME] [--scope SCOPE] [--audience AUD] [--no-cache] [--force-refresh] [-v]"
COMMANDS = {
    "token": f"""\
usage: rightbrain-helper token {TOKEN_OPTIONS}

Print the profile's access token and a newline: the cached one while it has more than min_valid seconds left
(default 60), else a new one from the token endpoint (OAuth 2.0 client credentials grant), which is cached for
every other process and tool.
""",
    "header": f"""\
usage: rightbrain-helper header {TOKEN_OPTIONS}

Print "Authorization: Bearer <token>" and a newline, for curl -H @- and the like; the token as for `token`.
""",
    "json": f"""\
usage: rightbrain-helper json {TOKEN_OPTIONS}

Print one JSON object: access_token, token_type, expires_at (RFC 3339, UTC), expires_in (seconds left) and
scope (as granted, or null); the token as for `token`.
""",
    "status": """\
usage: rightbrain-helper status

List the cached tokens, one line each: profile, issuer host, client id, scope and expiry. Never a token.
""",
    "clear": """\
usage: rightbrain-helper clear [--profile NAME] [--local]

Remove the cached tokens: all of them, or those of one profile. The next request fetches a new token. With a
fleet tier (shared_cache), the fleet entry of the settings `token` would use is removed too, unless --local.
Tokens of a profile with an `issuer` whose metadata names a revocation endpoint are revoked there (RFC 7009;
`revoke = false` turns it off); a failed revocation is a warning. Without --profile, the cached discovery
metadata goes too.
""",
    "login": """\
usage: rightbrain-helper login [--profile NAME]

Store the profile's client secret in the OS keyring (needs the [keyring] extra): typed at a prompt without echo,
or one line on stdin (`pass show x | rightbrain-helper login`); never on the command line. It goes under the
profile's client_secret_keyring ("service/name"), else under rightbrain-helper/CLIENT_ID, and then the line to
add to the profile is printed.
""",
    "kubectl": f"""\
usage: rightbrain-helper kubectl {TOKEN_OPTIONS}

Act as a kubectl (client-go) exec credential plugin: print an ExecCredential with the token and its expiry for
the apiVersion KUBERNETES_EXEC_INFO asks for. kubectl runs it; set it up with: rightbrain-helper configure
kubectl --cluster NAME --server https://HOST:PORT.
""",
}


def command_help(command: str) -> str:
    """The help of `command`, or the overview."""
    return COMMANDS.get(command, USAGE)
