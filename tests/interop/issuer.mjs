// A real OAuth 2.0 authorization server (panva's oidc-provider) on 127.0.0.1 for the interop tests.
//
// Usage: node issuer.mjs PORT_FILE [LOG_FILE [KEYS_JSON]]
//
// It listens on 127.0.0.1 on a free port (plain http: the helper allows http only to loopback hosts), writes the
// port to PORT_FILE (atomically, so a poller never reads half a number), and appends one JSON line per token
// request to LOG_FILE: grant, client, how the client authenticated, requested scope and resource, HTTP status,
// OAuth error code or granted scope, and a SHA-256 of the issued access token (never the token or a secret).
// It exits when its stdin closes (its parent died or is done) or on SIGTERM / SIGINT.
//
// With KEYS_JSON (written by the test: {"jwks": {client_id: public JWK}, "tls": {"server_cert", "server_key",
// "client_ca", "subject_dn"}}) it also registers the secretless clients below and listens a second time, over
// HTTPS with that server certificate, asking for a client certificate from client_ca; that port goes to
// PORT_FILE.https before PORT_FILE is written. Each secretless request's log line says how it authenticated and
// the SHA-256 of the TLS client certificate presented, if any.
//
// Clients (secrets are fixed test values, also known to tests/test_interop_oidc_provider.py):
//   basic-client      token_endpoint_auth_method client_secret_basic, secret with characters Basic must encode
//   post-client       token_endpoint_auth_method client_secret_post
//   jwt-rs256-client  private_key_jwt, RS256, the public JWK from KEYS_JSON
//   jwt-es256-client  private_key_jwt, ES256
//   federated-client  private_key_jwt whose JWK is a stand-in workload issuer's key (a federated assertion)
//   tls-client        tls_client_auth (subject DN from KEYS_JSON), certificate-bound access tokens
//   bound-client      client_secret_basic with certificate-bound access tokens (RFC 8705 §3)
// Discovery at /.well-known/openid-configuration; revocation (/token/revocation) and introspection
// (/token/introspection) are enabled.
// Resource servers (RFC 8707 resource indicators; client-credentials tokens are issued for one of them):
//   https://api.example.test/   the default resource; opaque tokens; scopes api:read api:write
//   https://jwt.example.test/   JWT access tokens with aud = the resource; scope jwt:read
import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';

import Provider, { errors } from 'oidc-provider';

const [portFile, logFile, keysFile] = process.argv.slice(2);
const KEYS = keysFile ? JSON.parse(readFileSync(keysFile, 'utf8')) : null;

/** The secretless clients, when the test handed over their keys and the TLS material. */
function secretlessClients() {
  if (!KEYS) return [];
  const jwtClient = (clientId, alg) => ({
    client_id: clientId,
    token_endpoint_auth_method: 'private_key_jwt',
    ...(alg ? { token_endpoint_auth_signing_alg: alg } : {}),
    jwks: { keys: [KEYS.jwks[clientId]] },
  });
  return [
    jwtClient('jwt-rs256-client', 'RS256'),
    jwtClient('jwt-es256-client', 'ES256'),
    jwtClient('federated-client'),
    {
      client_id: 'tls-client',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: KEYS.tls.subject_dn,
      tls_client_certificate_bound_access_tokens: true,
    },
    {
      client_id: 'bound-client',
      client_secret: 'b0und-s3cret',
      token_endpoint_auth_method: 'client_secret_basic',
      tls_client_certificate_bound_access_tokens: true,
    },
  ];
}

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
  ...secretlessClients(),
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

if (!portFile) {
  process.stderr.write('usage: node issuer.mjs PORT_FILE [LOG_FILE [KEYS_JSON]]\n');
  process.exit(2);
}

/** The TLS client certificate of the request, if its connection presented one. */
function peerCertificate(ctx) {
  const cert = ctx.socket.getPeerX509Certificate?.();
  return cert ?? undefined;
}

/** RFC 8705 for the HTTPS listener: the certificate is the socket's, verified by node against client_ca. */
const MTLS = {
  enabled: true,
  tlsClientAuth: true,
  certificateBoundAccessTokens: true,
  getCertificate: peerCertificate,
  certificateAuthorized: (ctx) => ctx.socket.authorized === true,
  certificateSubjectMatches: (ctx, property, expected) =>
    property === 'tls_client_auth_subject_dn' && peerCertificate(ctx)?.subject === expected,
};

/** The provider's configuration: client credentials only, resource indicators, our own signing key. */
function configuration() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    clients: CLIENTS,
    scopes: ['openid', 'offline_access', ...new Set(Object.values(RESOURCE_SERVERS).flatMap((rs) => rs.scope.split(' ')))],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'interop' }] },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', ...(KEYS ? ['tls_client_auth'] : [])],
    ttl: { ClientCredentials: 600 },
    cookies: { keys: ['interop-cookie-key-not-secret'] },
    features: {
      devInteractions: { enabled: false },
      ...(KEYS ? { mTLS: MTLS } : {}),
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
    const cert = peerCertificate(ctx);
    const entry = {
      grant_type: form.grant_type ?? null,
      client_id: ctx.oidc?.client?.clientId ?? form.client_id ?? null,
      client_auth: basic
        ? 'client_secret_basic'
        : form.client_secret !== undefined
          ? 'client_secret_post'
          : form.client_assertion !== undefined
            ? 'private_key_jwt'
            : cert
              ? 'tls_client_auth'
              : 'none',
      client_cert_sha256: cert ? createHash('sha256').update(cert.raw).digest('hex') : null,
      error_description: body.error_description ?? null,
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
  let tlsServer = null;
  if (KEYS) {
    const { server_cert: cert, server_key: key, client_ca: ca } = KEYS.tls;
    // rejectUnauthorized false: a certificate from elsewhere reaches the provider, which answers invalid_client
    tlsServer = createTlsServer({ cert, key, ca, requestCert: true, rejectUnauthorized: false }, handler);
    await new Promise((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    writeFileSync(`${portFile}.https`, String(tlsServer.address().port));
  }

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(0));
    server.closeAllConnections();
    tlsServer?.close();
    tlsServer?.closeAllConnections();
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
