//! The identity server: discovery, JWKS, and a token endpoint that verifies what the real one verifies.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_lc_rs::constant_time::verify_slices_are_equal;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::jwt::{Jws, SignatureProblem, unix};
use crate::reply::Reply;
use crate::server::{IssuedToken, RegisteredClient, Shared};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The longest client assertion accepted: from `iat` (or `nbf`) to `exp`.
const MAX_ASSERTION_LIFETIME: Duration = Duration::from_secs(300);
const ALGORITHMS: [&str; 3] = ["RS256", "PS256", "ES256"];

/// Answers every request to the identity server.
pub(crate) struct IdentityResponder(pub(crate) Arc<Shared>);

impl Respond for IdentityResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let reply = handle(&self.0, request);
        let latency = self.0.lock().identity_faults.latency;
        reply.into_template(latency)
    }
}

fn handle(shared: &Shared, request: &Request) -> Reply {
    let get_only = |reply: fn(&Shared) -> Reply| {
        if request.method.as_str() == "GET" {
            reply(shared)
        } else {
            Reply::empty(405).header("Allow", "GET")
        }
    };
    match request.url.path() {
        "/.well-known/openid-configuration" => get_only(discovery),
        "/.well-known/openid-configuration/jwks" => get_only(jwks),
        "/connect/token" => token(shared, request),
        _ => Reply::empty(404),
    }
}

fn discovery(shared: &Shared) -> Reply {
    let a = &shared.authority;
    Reply::json(
        200,
        &json!({
            "issuer": a,
            "jwks_uri": format!("{a}/.well-known/openid-configuration/jwks"),
            "authorization_endpoint": format!("{a}/connect/authorize"),
            "token_endpoint": shared.token_endpoint,
            "userinfo_endpoint": format!("{a}/connect/userinfo"),
            "end_session_endpoint": format!("{a}/connect/endsession"),
            "revocation_endpoint": format!("{a}/connect/revocation"),
            "introspection_endpoint": format!("{a}/connect/introspect"),
            "scopes_supported": ["openid", "profile", "offline_access", "AppFramework"],
            "claims_supported": ["sub", "client_id", "scope", "AppFramework"],
            "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
            "response_types_supported": ["code"],
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "code_challenge_methods_supported": ["plain", "S256"],
        }),
    )
}

fn jwks(shared: &Shared) -> Reply {
    Reply::json(200, &json!({ "keys": [shared.key.jwk()] }))
}

/// An RFC 6749 §5.2 error.
#[derive(Debug)]
struct OAuthError {
    error: &'static str,
    description: String,
    /// The client tried HTTP Basic: a 401 must then carry `WWW-Authenticate: Basic`.
    basic: bool,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self { error, description: description.into(), basic: false }
    }

    fn invalid_client(description: impl Into<String>) -> Self {
        Self::new("invalid_client", description)
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    fn into_reply(self) -> Reply {
        let status = if self.error == "invalid_client" { 401 } else { 400 };
        let mut reply =
            Reply::json(status, &json!({ "error": self.error, "error_description": self.description }))
                .header("Cache-Control", "no-store")
                .header("Pragma", "no-cache");
        if status == 401 && self.basic {
            reply = reply.header("WWW-Authenticate", "Basic realm=\"unimicro-mock\"");
        }
        reply
    }
}

/// The form of a token request (RFC 6749 §3.2 allows each parameter at most once: `issue` checks).
struct Form(Vec<(String, String)>);

impl Form {
    /// The first value of `name`.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn token(shared: &Shared, request: &Request) -> Reply {
    let form = Form(url::form_urlencoded::parse(&request.body).into_owned().collect());
    let claimed = claimed_client(request, &form);
    {
        let mut state = shared.lock();
        *state.counters.token_requests.entry(claimed).or_default() += 1;
        if let Some(reply) = state.identity_faults.take_failure() {
            return reply;
        }
    }
    issue(shared, request, &form).unwrap_or_else(OAuthError::into_reply)
}

/// Which client a token request says it is (before any verification), for the counters.
fn claimed_client(request: &Request, form: &Form) -> String {
    if let Some(Ok((id, _))) = basic_credentials(request) {
        return id;
    }
    let assertion_iss =
        || Jws::decode(form.get("client_assertion")?).ok()?.str_claim("iss").map(str::to_owned);
    form.get("client_id").map(str::to_owned).or_else(assertion_iss).unwrap_or_default()
}

/// `Authorization: Basic` credentials, decoded per RFC 6749 §2.3.1 (base64 of the form-urlencoded
/// id, `:`, and the form-urlencoded secret). `None` when there is no Basic header.
fn basic_credentials(request: &Request) -> Option<Result<(String, String), OAuthError>> {
    let value = request.headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bad = |why: &str| {
        Some(Err(OAuthError {
            basic: true,
            ..OAuthError::invalid_client(format!("the Basic credentials are malformed: {why}"))
        }))
    };
    let Ok(decoded) = STANDARD.decode(encoded.trim()) else { return bad("not base64") };
    let Ok(decoded) = String::from_utf8(decoded) else { return bad("not UTF-8") };
    let Some((id, secret)) = decoded.split_once(':') else { return bad("no `:` between id and secret") };
    match (form_decode(id), form_decode(secret)) {
        (Some(id), Some(secret)) => Some(Ok((id, secret))),
        _ => bad("the id or secret is not form-urlencoded (RFC 6749 §2.3.1)"),
    }
}

/// `application/x-www-form-urlencoded` decoding of one value: `+` is a space, `%XX` a byte.
fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn issue(shared: &Shared, request: &Request, form: &Form) -> Result<Reply, OAuthError> {
    if request.method.as_str() != "POST" {
        return Err(OAuthError::invalid_request("the token endpoint only accepts POST"));
    }
    let content_type =
        request.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(format!(
            "the request must be application/x-www-form-urlencoded, not `{content_type}`"
        )));
    }
    for (i, (name, _)) in form.0.iter().enumerate() {
        if form.0[..i].iter().any(|(n, _)| n == name) {
            return Err(OAuthError::invalid_request(format!("the parameter `{name}` is repeated")));
        }
    }

    let client_id = authenticate(shared, request, form)?;
    let client = &shared.clients[&client_id];

    match form.get("grant_type") {
        None | Some("") => return Err(OAuthError::invalid_request("the parameter `grant_type` is missing")),
        Some("client_credentials") => {}
        Some(other) => {
            return Err(OAuthError::new(
                "unsupported_grant_type",
                format!("the grant type `{other}` is not supported for this client; use client_credentials"),
            ));
        }
    }
    let requested: Vec<&str> = form.get("scope").unwrap_or("").split_whitespace().collect();
    let scopes: Vec<String> = if requested.is_empty() {
        client.scopes.clone()
    } else {
        if let Some(bad) = requested.iter().find(|s| !client.scopes.iter().any(|a| a == *s)) {
            return Err(OAuthError::new(
                "invalid_scope",
                format!("the scope `{bad}` is not allowed for client `{client_id}`"),
            ));
        }
        let mut unique: Vec<String> = Vec::new();
        for s in requested {
            if !unique.iter().any(|u| u == s) {
                unique.push(s.to_owned());
            }
        }
        unique
    };
    Ok(mint(shared, &client_id, &scopes))
}

/// Checks the client's authentication: exactly one of Basic, a form secret, or an assertion.
fn authenticate(shared: &Shared, request: &Request, form: &Form) -> Result<String, OAuthError> {
    let basic = basic_credentials(request);
    let post_secret = form.get("client_secret");
    let assertion = form.get("client_assertion");
    let assertion_type = form.get("client_assertion_type");
    let methods = usize::from(basic.is_some())
        + usize::from(post_secret.is_some())
        + usize::from(assertion.is_some() || assertion_type.is_some());
    if methods > 1 {
        return Err(OAuthError::invalid_request(
            "more than one client authentication method was used; use exactly one (RFC 6749 §2.3)",
        ));
    }
    let form_id = form.get("client_id");
    if let Some(basic) = basic {
        let (id, secret) = basic?;
        if form_id.is_some_and(|f| f != id) {
            return Err(OAuthError::invalid_request(
                "`client_id` in the form differs from the Basic credentials",
            ));
        }
        return check_secret(shared, &id, &secret).map_err(|e| OAuthError { basic: true, ..e });
    }
    if let Some(secret) = post_secret {
        let Some(id) = form_id else {
            return Err(OAuthError::invalid_client("`client_secret` was sent without `client_id`"));
        };
        return check_secret(shared, id, secret);
    }
    if assertion.is_some() || assertion_type.is_some() {
        if assertion_type != Some(JWT_BEARER) {
            return Err(OAuthError::invalid_request(format!(
                "`client_assertion_type` must be `{JWT_BEARER}`"
            )));
        }
        let Some(assertion) = assertion else {
            return Err(OAuthError::invalid_request("`client_assertion` is missing"));
        };
        return verify_assertion(shared, assertion, form_id);
    }
    Err(OAuthError::invalid_client(
        "no client authentication: send a client assertion, or the client secret (Basic or in the form)",
    ))
}

fn known_client<'a>(shared: &'a Shared, id: &str) -> Result<&'a RegisteredClient, OAuthError> {
    shared.clients.get(id).ok_or_else(|| OAuthError::invalid_client(format!("unknown client `{id}`")))
}

fn check_secret(shared: &Shared, id: &str, secret: &str) -> Result<String, OAuthError> {
    let client = known_client(shared, id)?;
    if client.secrets.is_empty() {
        return Err(OAuthError::invalid_client(format!(
            "client `{id}` has no secret: it authenticates with a certificate (private_key_jwt)"
        )));
    }
    let ok = client
        .secrets
        .iter()
        .any(|s| verify_slices_are_equal(s.expose_secret().as_bytes(), secret.as_bytes()).is_ok());
    if !ok {
        return Err(OAuthError::invalid_client(format!("invalid client secret for client `{id}`")));
    }
    Ok(id.to_owned())
}

/// Verifies a client assertion (RFC 7523 §3) and returns the client id.
fn verify_assertion(shared: &Shared, assertion: &str, form_id: Option<&str>) -> Result<String, OAuthError> {
    let jws = match Jws::decode(assertion) {
        Ok(jws) => jws,
        Err(why) => return fail(why),
    };
    let alg = jws.alg().unwrap_or("");
    if !ALGORITHMS.contains(&alg) {
        return fail(format!("the algorithm `{alg}` is not accepted; sign with RS256, PS256 or ES256"));
    }
    if jws.header.contains_key("crit") {
        return fail("the header has `crit` extensions this server does not understand".into());
    }
    if let Some(typ) = jws.header.get("typ").and_then(Value::as_str)
        && !["JWT", "client-authentication+jwt"].iter().any(|t| t.eq_ignore_ascii_case(typ))
    {
        return fail(format!("the header `typ` is `{typ}`; a client assertion is a `JWT`"));
    }
    let (Some(iss), Some(sub)) = (jws.str_claim("iss"), jws.str_claim("sub")) else {
        return fail("`iss` and `sub` must both be the client id".into());
    };
    if iss != sub {
        return fail(format!("`iss` (`{iss}`) and `sub` (`{sub}`) must both be the client id"));
    }
    if let Some(form_id) = form_id
        && form_id != iss
    {
        return fail(format!("`iss` is `{iss}` but the form's `client_id` is `{form_id}`"));
    }
    let client = known_client(shared, iss)?;
    if client.keys.is_empty() {
        return fail(format!(
            "client `{iss}` has no certificate registered: it authenticates with a client secret"
        ));
    }
    let now = SystemTime::now();
    let mut algorithm_fits = false;
    let mut verified_by = None;
    for key in &client.keys {
        match key.verify(alg, jws.signing_input.as_bytes(), &jws.signature) {
            Ok(()) => {
                verified_by = Some(key);
                break;
            }
            Err(SignatureProblem::Algorithm) => {}
            Err(SignatureProblem::Invalid) => algorithm_fits = true,
        }
    }
    let Some(key) = verified_by else {
        return if algorithm_fits {
            fail(format!("the signature does not verify with any certificate registered for client `{iss}`"))
        } else {
            fail(format!("`{alg}` does not suit the key of any certificate registered for client `{iss}`"))
        };
    };
    if now < key.not_before || now > key.not_after {
        return fail(format!("the certificate {} is outside its validity period", key.thumbprint));
    }

    let aud_ok = |aud: &str| {
        let aud = aud.trim_end_matches('/');
        aud == shared.token_endpoint || aud == shared.authority
    };
    let aud_matches = match jws.claims.get("aud") {
        Some(Value::String(a)) => aud_ok(a),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(aud_ok),
        _ => false,
    };
    if !aud_matches {
        return fail(format!(
            "`aud` must be the token endpoint `{}` or the issuer `{}`",
            shared.token_endpoint, shared.authority
        ));
    }

    let leeway = shared.assertion_leeway;
    let time = |name| jws.time_claim(name).map_err(reject_assertion);
    let Some(exp) = time("exp")? else { return fail("`exp` is missing".into()) };
    let nbf = time("nbf")?;
    let iat = time("iat")?;
    if now > exp + leeway {
        return fail(format!("it expired at {} (now {})", unix(exp), unix(now)));
    }
    if let Some(nbf) = nbf
        && nbf > now + leeway
    {
        return fail(format!("it is not valid before {} (now {})", unix(nbf), unix(now)));
    }
    if let Some(iat) = iat
        && iat > now + leeway
    {
        return fail(format!("it is issued in the future ({}; now {})", unix(iat), unix(now)));
    }
    let lifetime = exp.duration_since(iat.or(nbf).unwrap_or(now)).unwrap_or_default();
    if lifetime > MAX_ASSERTION_LIFETIME {
        return fail(format!(
            "its lifetime ({} s) is longer than the {} s allowed",
            lifetime.as_secs(),
            MAX_ASSERTION_LIFETIME.as_secs()
        ));
    }
    let Some(jti) = jws.str_claim("jti").filter(|j| !j.is_empty()) else {
        return fail("`jti` is missing: every assertion needs a unique id".into());
    };

    let mut state = shared.lock();
    state.assertion_jtis.retain(|_, expiry| *expiry + leeway >= now);
    if state.assertion_jtis.contains_key(jti) {
        return fail(format!("the `jti` `{jti}` was already used: assertions can't be replayed"));
    }
    state.assertion_jtis.insert(jti.to_owned(), exp);
    Ok(iss.to_owned())
}

fn reject_assertion(why: String) -> OAuthError {
    OAuthError::invalid_client(format!("invalid client assertion: {why}"))
}

fn fail<T>(why: String) -> Result<T, OAuthError> {
    Err(reject_assertion(why))
}

/// Issues an access token and records it.
fn mint(shared: &Shared, client_id: &str, scopes: &[String]) -> Reply {
    let now = shared.clock.now();
    let expires_at = now + shared.token_ttl;
    let jti = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    let claims = json!({
        "iss": shared.authority,
        "nbf": unix(now),
        "iat": unix(now),
        "exp": unix(expires_at),
        "aud": ["AppFramework", format!("{}/resources", shared.authority)],
        "scope": scopes,
        "client_id": client_id,
        "sub": client_id,
        "jti": jti,
        "AppFramework": shared.api_base,
    });
    let token = shared.key.sign(&claims);
    {
        let mut state = shared.lock();
        let state = &mut *state;
        state.issued.retain(|_, t| t.expires_at > now);
        let issued = &state.issued;
        state.revoked.retain(|j| issued.contains_key(j));
        state.issued.insert(jti, IssuedToken { client_id: client_id.to_owned(), expires_at });
        *state.counters.tokens_issued.entry(client_id.to_owned()).or_default() += 1;
    }
    Reply::json(
        200,
        &json!({
            "access_token": token,
            "expires_in": shared.token_ttl.as_secs(),
            "token_type": "Bearer",
            "scope": scopes.join(" "),
        }),
    )
    .header("Cache-Control", "no-store")
    .header("Pragma", "no-cache")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        assert_eq!(form_decode("a+b%2Bc%3A%25").as_deref(), Some("a b+c:%"));
        assert_eq!(form_decode("%C3%A6").as_deref(), Some("æ"));
        assert_eq!(form_decode("plain").as_deref(), Some("plain"));
        assert_eq!(form_decode("%4"), None);
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%FF"), None, "not UTF-8");
    }
}
