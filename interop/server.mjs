// Test-only OpenID provider for `cargo xtask interop`: panva's oidc-provider, configured with the
// clients the interop tests of unimicro-auth use (crates/unimicro-auth/tests/it/interop.rs).
//
// Started by xtask (never by hand in CI). Listens on 127.0.0.1 on a free port and prints one line
// `INTEROP_URL=http://127.0.0.1:<port>` on stdout once it accepts requests.
//
// Environment:
//   INTEROP_CERTS      paths of PEM certificates, separated by the platform's path delimiter
//                      (`:` on Unix): their public keys are the clients' registered JWKS (required).
//                      The first one's key is registered with `kid` "interop-kid-1" (see the clients).
//   INTEROP_SHORT_TTL  lifetime in seconds of tokens for the resource `urn:unimicro:interop:short` (default 8).
//   INTEROP_LIFELINE   when `1`, exit as soon as stdin closes: the process that started the server
//                      holds the pipe, so the server never outlives it, even if it is killed.
//
// Besides the provider's own routes it serves `GET /interop/counts`: per client id, how many token
// requests succeeded and failed, counted from the provider's `grant.success` and `grant.error` events.

import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { delimiter } from 'node:path';

const fail = (message) => {
  console.error(`interop server: ${message}`);
  process.exit(2);
};

// oidc-provider 9 uses `URL.parse` (Node.js 20.18+, 22.1+); say so instead of failing mid-request.
if (typeof URL.parse !== 'function') {
  fail(`Node.js ${process.version} is too old: oidc-provider 9 needs Node.js 20.18 or later (22 LTS recommended)`);
}
const { default: Provider, errors } = await import('oidc-provider');

const certPaths = (process.env.INTEROP_CERTS ?? '').split(delimiter).filter(Boolean);
if (certPaths.length === 0) fail('set INTEROP_CERTS to the PEM certificates whose keys the clients register');

const shortTtl = Number(process.env.INTEROP_SHORT_TTL ?? '8');
if (!Number.isInteger(shortTtl) || shortTtl < 1) fail(`INTEROP_SHORT_TTL must be a whole number of seconds >= 1, not ${process.env.INTEROP_SHORT_TTL}`);

// The clients' public keys, one per distinct key, built from the certificates.
const publicJwks = [];
const seen = new Set();
for (const path of certPaths) {
  let cert;
  try {
    cert = new X509Certificate(readFileSync(path));
  } catch (e) {
    fail(`cannot read the certificate ${path}: ${e.message}`);
  }
  const jwk = cert.publicKey.export({ format: 'jwk' });
  const id = JSON.stringify(jwk);
  if (!seen.has(id)) {
    seen.add(id);
    publicJwks.push(jwk);
  }
}

// The kid registered for the client `interop-jwks-kid`: a name of our own, so that only
// `KeyIdStyle::Custom("interop-kid-1")` (or no kid at all) matches it.
const KID = 'interop-kid-1';
// Needs form-encoding in client_secret_basic (`@ : space + % /`). RFC 6749 Appendix A allows only
// printable ASCII (VSCHAR) in a client secret, and oidc-provider enforces it, so no `é` here.
const SECRET = 'p@ss:wo rd+%/&=?#"~';
const SCOPES = ['api:read', 'api:write', 'api:admin'];
const CLIENT_SCOPE = 'api:read api:write';

const common = {
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  scope: CLIENT_SCOPE,
};

const clients = [
  { ...common, client_id: 'interop-jwks-kid', token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: publicJwks.map((jwk, i) => ({ ...jwk, kid: i === 0 ? KID : `${KID}-${i + 1}` })) } },
  { ...common, client_id: 'interop-jwks', token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: publicJwks } },
  { ...common, client_id: 'interop-refresh', token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: publicJwks } },
  { ...common, client_id: 'interop-secret-basic', token_endpoint_auth_method: 'client_secret_basic',
    client_secret: SECRET },
  { ...common, client_id: 'interop-secret-post', token_endpoint_auth_method: 'client_secret_post',
    client_secret: SECRET },
];

// Resource servers: the default one (RS256 JWTs, 5 minutes), one signing with ES256, and one with
// a short TTL for the background-refresh test.
const RESOURCES = {
  'urn:unimicro:interop:api': { alg: 'RS256', ttl: 300 },
  'urn:unimicro:interop:es256': { alg: 'ES256', ttl: 300 },
  'urn:unimicro:interop:short': { alg: 'RS256', ttl: shortTtl },
};

// The provider's own signing keys, new each run.
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

const counts = {};
const count = (ctx, outcome) => {
  const id = ctx.oidc?.client?.clientId ?? ctx.oidc?.params?.client_id ?? '<unknown>';
  counts[id] ??= { success: 0, error: 0 };
  counts[id][outcome] += 1;
};

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  let provider;
  try {
    provider = new Provider(issuer, {
      clients,
      jwks: { keys: [{ ...rsa, kid: 'provider-rs256', alg: 'RS256', use: 'sig' }, { ...ec, kid: 'provider-es256', alg: 'ES256', use: 'sig' }] },
      scopes: SCOPES,
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => 'urn:unimicro:interop:api',
          useGrantedResource: async () => false,
          getResourceServerInfo: async (_ctx, resource) => {
            const rs = RESOURCES[resource];
            if (!rs) throw new errors.InvalidTarget(`unknown resource ${resource}`);
            return {
              scope: CLIENT_SCOPE,
              audience: resource,
              accessTokenTTL: rs.ttl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: rs.alg } },
            };
          },
        },
      },
      ttl: {
        ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300,
      },
    });
  } catch (e) {
    fail(`the provider refused its configuration: ${e.message}`);
  }
  provider.on('grant.success', (ctx) => count(ctx, 'success'));
  provider.on('grant.error', (ctx) => count(ctx, 'error'));
  provider.on('server_error', (_ctx, err) => console.error('interop server: server_error', err));

  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.method === 'GET' && req.url === '/interop/counts') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(counts));
      return;
    }
    callback(req, res);
  });
  console.log(`INTEROP_URL=${issuer}`);
});

if (process.env.INTEROP_LIFELINE === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
