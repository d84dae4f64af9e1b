"""`rightbrain-helper doctor`: one line per check of the set-up, each ✓ (fine), ✗ (will go wrong; the line says
the fix) or · (information: does not apply, or nothing to check yet).

    checks     the Check type and the shape of a check function: (Doctor) -> list[Check]
    context    Doctor: what the checks share (runtime, config, settings, secret, the token request), made once
    report     the order the checks run in, printing, the summary and the exit code
    setup      config file, profile, client secret (variable, file, command or keyring entry)
    issuer     issuer discovery, once and afresh, for a profile with `issuer`; the endpoint checks use its result
    endpoint   the one token request (bypassing the cache) and what it shows: reachable, TLS, clock, token
    cache      the cache directory and its refresh lock
    git_tool, docker_tool, kubectl_tool, terraform_tool, cargo_tool, hostlist_use   each tool's own config; hosts
               are resolved by the tool's own adapter (Adapter.lookup, tools.entry_for), as serve() does
    fleet      the fleet tier (shared_cache)
    extensions where later checks plug in: the client authentication method's, ISSUER_CHECKS

Loaded only when `doctor` runs (integrations/commands.py imports it inside the command's function).
"""
