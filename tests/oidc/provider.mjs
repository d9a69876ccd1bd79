// A real OpenID provider for the tests: the certified oidc-provider package, on 127.0.0.1.
//
//   node tests/oidc/provider.mjs PORT CONFIG_JSON
//
// CONFIG_JSON: {"clients": [{"client_id", "client_secret", "redirect_uris"}], "idTokenTtl": seconds}.
// It prints "ready <issuer>" on stdout once it listens.
//
// Signing in needs no form: the interaction signs in the account named by the authorisation
// request's login_hint (or the first account) at once, and consent is granted to every client, so
// a test can follow the redirects with a plain HTTP client. Accounts are kept in memory:
//   {"sub": "...", "email": "...", "groups": ["..."]}, keyed by login name.
//
// What the tests change while it runs (POST, JSON body, loopback only, tests only):
//   /__test__/accounts   {"login name": {sub, email, groups}}   add or replace accounts
//   /__test__/misbehave  {"clockOffset": seconds, "idTokenClaims": {"aud": "other-client"}}
//       clockOffset: the token endpoint runs that many seconds off (negative: its ID tokens
//       were issued in the past, so they arrive already expired);
//       idTokenClaims: the token endpoint's ID token gets these claims and is signed again, with
//       the provider's own key (a token meant for another client looks like this);
//   "forgeSignature": true: the ID token is signed with a key the provider never published;
//       {} puts them all back.
import { generateKeyPairSync, sign } from "node:crypto";
import { Provider } from "oidc-provider";

const port = Number(process.argv[2]);
const config = JSON.parse(process.argv[3] || "{}");
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const forgerKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-rs256", alg: "RS256", use: "sig" };

const accounts = new Map(Object.entries(config.accounts || {}));
let misbehave = {};

// The account signed in as: by subject (the provider's account id) or by login name.
function lookup(id) {
  for (const claims of accounts.values()) if (claims.sub === id) return claims;
  return accounts.get(id) || { sub: id, email: id, groups: [] };
}

function account(id) {
  const claims = lookup(id);
  return {
    accountId: claims.sub,
    async claims() {
      return { email_verified: true, groups: [], ...claims };
    },
  };
}

const provider = new Provider(issuer, {
  clients: (config.clients || []).map((client) => ({
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
    ...client,
  })),
  jwks: { keys: [signingKey] },
  cookies: { keys: ["oidc-test-cookie-key"] },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["groups"] },
  // Like Entra ID: the claims asked for come in the ID token itself.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  ttl: {
    IdToken: config.idTokenTtl || 300,
    AccessToken: 300,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 600,
    Grant: 600,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, id) => account(id),
  // First-party clients: consent is taken as given.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
});

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

function base64url(value) {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

function resign(idToken, claims, key) {
  const [header, payload] = idToken.split(".", 2).map((part) => JSON.parse(Buffer.from(part, "base64url")));
  const input = `${base64url(header)}.${base64url({ ...payload, ...claims })}`;
  return `${input}.${sign("sha256", Buffer.from(input), key).toString("base64url")}`;
}

provider.use(async (ctx, next) => {
  if (ctx.method === "POST" && ctx.path === "/__test__/accounts") {
    for (const [id, claims] of Object.entries(await readJson(ctx.req))) accounts.set(id, claims);
    ctx.status = 204;
    return;
  }
  if (ctx.method === "POST" && ctx.path === "/__test__/misbehave") {
    misbehave = await readJson(ctx.req);
    ctx.status = 204;
    return;
  }
  if (ctx.method === "GET" && ctx.path.startsWith("/interaction/")) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const login = details.params.login_hint || accounts.keys().next().value || "someone@example.org";
    const accountId = lookup(login).sub;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { login: { accountId } }));
    return;
  }
  if (ctx.method === "POST" && ctx.path === "/token") {
    const realNow = Date.now;
    if (misbehave.clockOffset) Date.now = () => realNow() + misbehave.clockOffset * 1000;
    try {
      await next();
    } finally {
      Date.now = realNow;
    }
    if ((misbehave.idTokenClaims || misbehave.forgeSignature) && ctx.body && ctx.body.id_token) {
      const key = misbehave.forgeSignature ? forgerKey : privateKey;
      ctx.body = { ...ctx.body, id_token: resign(ctx.body.id_token, misbehave.idTokenClaims || {}, key) };
    }
    return;
  }
  await next();
});

provider.listen(port, "127.0.0.1", () => {
  process.stdout.write(`ready ${issuer}\n`);
});
