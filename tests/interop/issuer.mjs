// A real OAuth 2.0 authorization server (panva's oidc-provider) on 127.0.0.1 for the interop tests.
//
// Usage: node issuer.mjs PORT_FILE [LOG_FILE]
//
// It listens on 127.0.0.1 on a free port (plain http: the helper allows http only to loopback hosts), writes the
// port to PORT_FILE (atomically, so a poller never reads half a number), and appends one JSON line per token
// request to LOG_FILE: grant, client, how the client authenticated, requested scope and resource, HTTP status,
// OAuth error code or granted scope, and a SHA-256 of the issued access token (never the token or a secret).
// It exits when its stdin closes (its parent died or is done) or on SIGTERM / SIGINT.
//
// Clients (secrets are fixed test values, also known to tests/test_interop_oidc_provider.py):
//   basic-client  token_endpoint_auth_method client_secret_basic, secret with characters Basic must encode
//   post-client   token_endpoint_auth_method client_secret_post
// Discovery at /.well-known/openid-configuration; revocation (/token/revocation) and introspection
// (/token/introspection) are enabled.
// Resource servers (RFC 8707 resource indicators; client-credentials tokens are issued for one of them):
//   https://api.example.test/   the default resource; opaque tokens; scopes api:read api:write
//   https://jwt.example.test/   JWT access tokens with aud = the resource; scope jwt:read
import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider, { errors } from 'oidc-provider';

export const CLIENTS = [
  {
    client_id: 'basic-client',
    client_secret: 'b4sic s3cret+/=%:@!',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    client_id: 'post-client',
    client_secret: 'p0st-s3cret&=+',
    token_endpoint_auth_method: 'client_secret_post',
  },
].map((client) => ({
  ...client,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  scope: 'api:read api:write jwt:read',
}));

const DEFAULT_RESOURCE = 'https://api.example.test/';
const RESOURCE_SERVERS = {
  [DEFAULT_RESOURCE]: { scope: 'api:read api:write', audience: DEFAULT_RESOURCE, accessTokenTTL: 600, accessTokenFormat: 'opaque' },
  'https://jwt.example.test/': {
    scope: 'jwt:read',
    audience: 'https://jwt.example.test/',
    accessTokenTTL: 600,
    accessTokenFormat: 'jwt',
  },
};

const [portFile, logFile] = process.argv.slice(2);
if (!portFile) {
  process.stderr.write('usage: node issuer.mjs PORT_FILE [LOG_FILE]\n');
  process.exit(2);
}

/** The provider's configuration: client credentials only, resource indicators, our own signing key. */
function configuration() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    clients: CLIENTS,
    scopes: ['openid', 'offline_access', ...new Set(Object.values(RESOURCE_SERVERS).flatMap((rs) => rs.scope.split(' ')))],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'interop' }] },
    ttl: { ClientCredentials: 600 },
    cookies: { keys: ['interop-cookie-key-not-secret'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 7009 and RFC 7662, both in the discovery document: tests/issuers/test_interop.py revokes by `clear`
      // and checks at introspection that the token is no longer active
      revocation: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => DEFAULT_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => {
          const info = RESOURCE_SERVERS[resource];
          if (!info) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return info;
        },
      },
    },
  };
}

/** Koa middleware: one JSON line per POST to the token endpoint, written after the response is decided. */
function tokenRequestLog(tokenPath) {
  return async (ctx, next) => {
    await next();
    if (!logFile || ctx.method !== 'POST' || ctx.path !== tokenPath) return;
    const form = ctx.oidc?.body ?? {};
    const body = ctx.body && typeof ctx.body === 'object' ? ctx.body : {};
    const basic = (ctx.get('authorization') || '').startsWith('Basic ');
    const entry = {
      grant_type: form.grant_type ?? null,
      client_id: ctx.oidc?.client?.clientId ?? form.client_id ?? null,
      client_auth: basic ? 'client_secret_basic' : form.client_secret !== undefined ? 'client_secret_post' : 'none',
      scope: form.scope ?? null,
      resource: form.resource ?? null,
      status: ctx.status,
      error: body.error ?? null,
      granted_scope: body.scope ?? null,
      expires_in: body.expires_in ?? null,
      token_sha256: body.access_token ? createHash('sha256').update(body.access_token).digest('hex') : null,
    };
    appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
  };
}

async function main() {
  let handler = (req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const provider = new Provider(`http://127.0.0.1:${port}`, configuration());
  provider.use(tokenRequestLog('/token'));
  handler = provider.callback();

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();

  writeFileSync(`${portFile}.tmp`, String(port));
  renameSync(`${portFile}.tmp`, portFile);
  process.stderr.write(`oidc-provider issuer on http://127.0.0.1:${port} (token endpoint /token)\n`);
}

main().catch((error) => {
  process.stderr.write(`issuer failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
