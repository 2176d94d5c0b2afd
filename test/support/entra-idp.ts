// The Microsoft token endpoint for the Entra ID source's tests and bench: the real oidc-provider@8 serving
// the client credentials grant at /{tenant}/oauth2/v2.0/token (the path Entra uses), issuing the access
// tokens the Graph fake checks (ClientCredentials.find). Never part of the product.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface EntraIdp {
  /** The authority URL of a connection (the token is POST {authorityUrl}/{tenantId}/oauth2/v2.0/token). */
  authorityUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Was this token issued by this provider (and is it still valid)? */
  validate(token: string): Promise<boolean>;
  /** Token requests answered. */
  tokenRequests: number;
  close(): Promise<void>;
}

export async function startEntraIdp(o: {
  tenantId: string;
  clientId?: string;
  clientSecret?: string;
  graphUrl: string;
}): Promise<EntraIdp> {
  const clientId = o.clientId ?? 'kdesk-sync-app';
  const clientSecret = o.clientSecret ?? 'entra app secret';
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const authorityUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const scope = `${o.graphUrl.replace(/\/+$/, '')}/.default`;
  const provider = new Provider(`${authorityUrl}/${o.tenantId}/v2.0`, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
        scope,
      },
    ],
    scopes: [scope],
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    cookies: { keys: ['entra idp test cookie key'] },
    jwks: { keys: [{ ...jwk, kid: 'k1', use: 'sig', alg: 'RS256' }] },
    ttl: { ClientCredentials: 3600 },
  } as never);
  const callback = provider.callback();
  const state = { tokenRequests: 0 };
  const prefix = `/${o.tenantId}`;
  server.on('request', (req, res) => {
    // Entra's path: /{tenant}/oauth2/v2.0/token → the provider's token endpoint
    if (req.url === `${prefix}/oauth2/v2.0/token`) {
      state.tokenRequests++;
      req.url = '/token';
      return callback(req, res);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_request', error_description: `AADSTS90002: Tenant '${req.url?.split('/')[1]}' not found.` }));
  });
  return {
    authorityUrl,
    tenantId: o.tenantId,
    clientId,
    clientSecret,
    get tokenRequests() {
      return state.tokenRequests;
    },
    async validate(token: string) {
      const found = await (provider as unknown as { ClientCredentials: { find(t: string): Promise<unknown> } }).ClientCredentials.find(
        token,
      );
      return Boolean(found);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
