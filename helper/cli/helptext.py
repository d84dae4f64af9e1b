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
  exec          run a command with the token in its environment (exec [--env-var NAME] -- CMD ARGS...)
  env           print "export RIGHTBRAIN_ACCESS_TOKEN=<token>" for eval in a shell
  kubectl       act as a kubectl exec credential plugin
  bazel         act as a Bazel credential helper (bazel get, request on stdin)
  goauth        act as a GOAUTH command for the go command (goauth [URL])
  configure     set up git, docker, kubectl, terraform or cargo to use this helper (configure --help)
  unconfigure   undo configure
  doctor        check the set-up, one line per check with the fix (doctor [--profile NAME])

options:
  --profile NAME     profile from the config file (default: RIGHTBRAIN_PROFILE, default_profile, "default");
                     a profile named here or in RIGHTBRAIN_PROFILE ignores RIGHTBRAIN_TOKEN_URL, _CLIENT_ID,
                     _CLIENT_SECRET(_FILE), _SCOPE and _AUDIENCE
  --scope SCOPE      scopes to request, space-separated (repeatable)
  --audience AUD     audience parameter to send
  --no-cache         neither read nor write the cache
  --force-refresh    fetch a new token even if the cached one is fresh
  --env-var NAME     exec and env: the variable that carries the token (default RIGHTBRAIN_ACCESS_TOKEN)
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
    "exec": f"""\
usage: rightbrain-helper exec [--env-var NAME] {TOKEN_OPTIONS} -- CMD ARGS...

Run CMD with the token in its environment, as RIGHTBRAIN_ACCESS_TOKEN (or NAME: letters, digits and _, no digit
first), never on a command line, where every user of the machine could read it. CMD gets the helper's environment
plus that variable, and stdin, stdout and stderr. The exit code is CMD's (128+N when signal N killed it, 127 when
it is not found, 126 when it cannot be run); SIGTERM and SIGHUP are passed on to it. Without a token CMD does not
run. The token is fetched once, when CMD starts.
""",
    "env": f"""\
usage: rightbrain-helper env [--env-var NAME] {TOKEN_OPTIONS}

Print one line, export RIGHTBRAIN_ACCESS_TOKEN=<token> (or NAME), quoted for POSIX shells, for
eval "$(rightbrain-helper env)". The variable keeps that token and does not refresh; prefer exec for anything that
runs longer than a few minutes.
""",
    "bazel": """\
usage: rightbrain-helper bazel get   (or the console script: bazel-credential-rightbrain get)

Act as a Bazel credential helper: read a GetCredentialsRequest {"uri": "..."} on stdin and, for a host in the
helper's host list, print {"headers":{"Authorization":["Bearer <token>"]},"expires":"<RFC 3339>"}; for any other
host (or a cleartext URI to a remote host) print {}. Profile, scope and audience come from the host's entry, not
from options. Bazel cannot pass arguments, so point it at the console script:
  common --credential_helper=HOST=/abs/path/bazel-credential-rightbrain   (in .bazelrc)
""",
    "doctor": """\
usage: rightbrain-helper doctor [--profile NAME] [--scope SCOPE] [--audience AUD] [-v]

Check the set-up, one line per check, marked as fine, as failed (will go wrong; the line says the fix) or as
information (does not apply, or nothing to check yet). Checked: the config file and its permissions, the
profile, the client secret's source (never the secret), the token endpoint (reachable, TLS and which CAs, the
clock against its Date header), one token request bypassing the cache (lifetime and scope granted, or the OAuth
error of a refusal; never the token), the cache directory and its lock, what git, docker, kubectl, terraform and
cargo are configured to ask this helper for, and the fleet tier when shared_cache is set. Nothing is changed.
Exit 0 when no check failed, 1 when one did.
""",
    "goauth": """\
usage: rightbrain-helper goauth [URL]

Act as a GOAUTH authentication command for the go command (Go >= 1.24): GOAUTH="rightbrain-helper goauth".
Without URL (go's start-up call) print a credential set for every host in the helper's host list: the
https://HOST[:PORT] prefixes, a blank line, "Authorization: Bearer <token>", a blank line. With URL (after a 4xx,
the response on stdin) print the set for that URL's host only, nothing for any other; after a 401 the cached token
is replaced. Profile, scope and audience come from the host's entry, not from options.
""",
}


def command_help(command: str) -> str:
    """The help of `command`, or the overview."""
    return COMMANDS.get(command, USAGE)
