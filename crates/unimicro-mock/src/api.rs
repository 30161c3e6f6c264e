//! The API: bearer-token checks, `/api/init/companies`, `/api/biz/*` with `CompanyKey`, `/api/statistics`.

use std::sync::Arc;

use http::StatusCode;
use serde_json::Value;
use wiremock::{Request, Respond, ResponseTemplate};

use crate::faults::ApiRequest;
use crate::jwt::Jws;
use crate::query::{ListOptions, Query};
use crate::reply::Reply;
use crate::server::Shared;
use crate::stats;
use crate::store::{Author, StoreError};

const DENIED: &str = "Authorization has been denied for this request.";

/// Handles `?action=`: gets the call, returns the status and JSON body to answer.
pub(crate) type ActionHandler = Arc<dyn Fn(&ActionCall<'_>) -> (StatusCode, Value) + Send + Sync>;

/// One `?action=` call, as given to a handler registered with
/// [`MockBuilder::action`](crate::MockBuilder::action).
#[derive(Debug)]
#[non_exhaustive]
pub struct ActionCall<'a> {
    /// HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The route, lower-case, e.g. `journalentries`.
    pub route: &'a str,
    /// The entity ID for an item action (`/route/{id}?action=`), `None` on the collection.
    pub id: Option<i64>,
    /// The action's name as sent.
    pub action: &'a str,
    /// The company (the `CompanyKey` header).
    pub company_key: &'a str,
    /// The authenticated client.
    pub client_id: &'a str,
    /// The JSON body, if one was sent.
    pub body: Option<&'a Value>,
    /// The whole request URL, for other query parameters.
    pub url: &'a url::Url,
}

/// Answers every request to the API.
pub(crate) struct ApiResponder(pub(crate) Arc<Shared>);

impl Respond for ApiResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut client_id = None;
        let reply = handle(&self.0, request, &mut client_id).unwrap_or_else(|reply| reply);
        let company_key = request.headers.get("CompanyKey").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut state = self.0.lock();
        state.counters.record_api(ApiRequest {
            method: request.method.to_string(),
            path: request.url.path().to_owned(),
            status: reply.status,
            client_id,
            company_key,
        });
        let latency = state.api_faults.latency;
        drop(state);
        reply.into_template(latency)
    }
}

fn no_resource(request: &Request) -> Reply {
    Reply::message(404, format!("No HTTP resource was found that matches the request URI '{}'.", request.url))
}

fn method_not_allowed(request: &Request) -> Reply {
    Reply::message(405, format!("The requested resource does not support http method '{}'.", request.method))
}

/// The answer to an API request: `Err` holds an answer that ended the request early (the same to the
/// client as an `Ok` one).
fn handle(shared: &Shared, request: &Request, client_out: &mut Option<String>) -> Result<Reply, Reply> {
    if let Some(reply) = shared.lock().api_faults.take_failure() {
        return Err(reply);
    }
    let path = request.url.path();
    let rest = path.strip_prefix("/api/").ok_or_else(|| no_resource(request))?;
    let client_id = authenticate(shared, request)
        .ok_or_else(|| Reply::message(401, DENIED).header("WWW-Authenticate", "Bearer"))?;
    *client_out = Some(client_id.clone());
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let query = Query::parse(&request.url);
    match segments.as_slice() {
        [area, name] if area.eq_ignore_ascii_case("init") && name.eq_ignore_ascii_case("companies") => {
            only_get(request)?;
            Ok(list_companies(shared, &client_id, &query))
        }
        [area, route, tail @ ..] if area.eq_ignore_ascii_case("biz") && !route.is_empty() => {
            let company = company_of(shared, request, &client_id)?;
            biz(shared, request, &query, Scope { client_id: &client_id, company: &company, route }, tail)
        }
        [area] if area.eq_ignore_ascii_case("statistics") => {
            let company = company_of(shared, request, &client_id)?;
            only_get(request)?;
            Ok(stats::statistics(&shared.lock().store, &company, &query))
        }
        _ => Err(no_resource(request)),
    }
}

/// 405 unless the request is a GET.
fn only_get(request: &Request) -> Result<(), Reply> {
    if request.method.as_str() == "GET" { Ok(()) } else { Err(method_not_allowed(request)) }
}

/// The client of a valid bearer token: signed by this mock, its issuer, for `AppFramework`,
/// unexpired by the mock's clock, not revoked.
fn authenticate(shared: &Shared, request: &Request) -> Option<String> {
    let value = request.headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let jws = Jws::decode(token.trim()).ok()?;
    if !shared.key.verify(&jws) || jws.str_claim("iss") != Some(shared.authority.as_str()) {
        return None;
    }
    let audiences = jws.claims.get("aud")?.as_array()?;
    if !audiences.iter().any(|a| a.as_str() == Some("AppFramework")) {
        return None;
    }
    let now = shared.clock.now();
    let exp = jws.time_claim("exp").ok()??;
    let nbf = jws.time_claim("nbf").ok()?.unwrap_or(std::time::UNIX_EPOCH);
    if now >= exp || now < nbf {
        return None;
    }
    let jti = jws.str_claim("jti")?;
    if shared.lock().revoked.contains(jti) {
        return None;
    }
    let client_id = jws.str_claim("client_id")?;
    shared.clients.contains_key(client_id).then(|| client_id.to_owned())
}

fn list_companies(shared: &Shared, client_id: &str, query: &Query) -> Reply {
    let options = match ListOptions::from_query(query) {
        Ok(o) => o,
        Err(message) => return Reply::message(400, message),
    };
    let granted = shared.companies.iter().filter(|c| c.granted.contains(client_id)).map(|c| &c.json);
    Reply::json(200, &Value::Array(options.apply(granted)))
}

/// The company of a `/api/biz` or `/api/statistics` request: the `CompanyKey` header, which must be
/// a GUID of a company granted to the client.
fn company_of(shared: &Shared, request: &Request, client_id: &str) -> Result<String, Reply> {
    let header = request.headers.get("CompanyKey").map(|v| v.to_str().map(str::trim));
    let key = match header {
        None | Some(Ok("")) => {
            return Err(Reply::message(
                400,
                "The request has no CompanyKey header. Company-scoped requests (/api/biz/*, /api/statistics) need \
                 the header CompanyKey with the Key of a company from /api/init/companies.",
            ));
        }
        Some(Err(_)) => return Err(Reply::message(400, "The CompanyKey header is not valid text.")),
        Some(Ok(key)) => key,
    };
    if uuid::Uuid::parse_str(key).is_err() {
        return Err(Reply::message(
            400,
            format!("The CompanyKey header '{key}' is not a valid company key: a company key is a GUID."),
        ));
    }
    match shared.companies.iter().find(|c| c.key.eq_ignore_ascii_case(key)) {
        Some(company) if company.granted.contains(client_id) => Ok(company.key.clone()),
        _ => Err(Reply::message(
            403,
            format!("Access to the company with key '{key}' is denied for this client."),
        )),
    }
}

/// Who calls which route of which company.
#[derive(Clone, Copy)]
struct Scope<'a> {
    client_id: &'a str,
    company: &'a str,
    route: &'a str,
}

fn biz(
    shared: &Shared,
    request: &Request,
    query: &Query,
    scope: Scope<'_>,
    tail: &[&str],
) -> Result<Reply, Reply> {
    let id = match tail {
        [] => None,
        [id] => Some(id.parse::<i64>().map_err(|_| no_resource(request))?),
        _ => return Err(no_resource(request)),
    };
    if !shared.lock().store.is_route(scope.route) {
        return Err(no_resource(request));
    }
    let method = request.method.as_str();
    if let Some(action) = query.non_empty("action") {
        return run_action(shared, request, scope, id, action);
    }
    let now = shared.clock.now();
    let mut state = shared.lock();
    let model = state.store.model_of(scope.route).unwrap_or(scope.route).to_owned();
    let not_found = |id: i64| Reply::message(404, format!("{model} with ID {id} was not found."));
    let author = Author { user: scope.client_id, at: now };
    Ok(match (method, id) {
        ("GET", None) => match ListOptions::from_query(query) {
            Ok(options) => {
                Reply::json(200, &Value::Array(options.apply(state.store.list(scope.company, scope.route))))
            }
            Err(message) => Reply::message(400, message),
        },
        ("GET", Some(id)) => match ListOptions::from_query(query) {
            Ok(options) => match state.store.get(scope.company, scope.route, id) {
                Some(entity) => Reply::json(200, &options.shape(entity)),
                None => not_found(id),
            },
            Err(message) => Reply::message(400, message),
        },
        ("POST", None) => {
            let body = json_body(request)?;
            match state.store.create(scope.company, scope.route, body, author) {
                Ok(entity) => {
                    let location = format!("{}api/biz/{}/{}", shared.api_base, scope.route, entity["ID"]);
                    Reply::json(201, &entity).header("Location", location)
                }
                Err(e) => store_error(e, not_found(0)),
            }
        }
        ("PUT", Some(id)) => {
            let body = json_body(request)?;
            match state.store.update(scope.company, scope.route, id, body, author) {
                Ok(entity) => Reply::json(200, &entity),
                Err(e) => store_error(e, not_found(id)),
            }
        }
        ("DELETE", Some(id)) => match state.store.delete(scope.company, scope.route, id) {
            Ok(()) => Reply::empty(204),
            Err(_) => not_found(id),
        },
        _ => method_not_allowed(request),
    })
}

fn store_error(error: StoreError, not_found: Reply) -> Reply {
    match error {
        StoreError::NotFound => not_found,
        StoreError::BadRequest(message) => Reply::message(400, message),
        StoreError::Validation(body) => Reply::json(400, &body),
    }
}

/// The JSON body of a POST or PUT: `application/json`, not empty, valid.
fn json_body(request: &Request) -> Result<Value, Reply> {
    let content_type = request.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let mime = content_type.and_then(|c| c.split(';').next()).map(str::trim).unwrap_or("");
    if !mime.eq_ignore_ascii_case("application/json") && !mime.eq_ignore_ascii_case("text/json") {
        let shown = content_type.unwrap_or("application/octet-stream");
        return Err(Reply::message(
            415,
            format!("The request entity's media type '{shown}' is not supported for this resource."),
        ));
    }
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Err(Reply::message(400, "The request body is empty: send the entity as JSON."));
    }
    serde_json::from_slice(&request.body)
        .map_err(|e| Reply::message(400, format!("The request body is not valid JSON: {e}.")))
}

fn run_action(
    shared: &Shared,
    request: &Request,
    scope: Scope<'_>,
    id: Option<i64>,
    action: &str,
) -> Result<Reply, Reply> {
    let route = scope.route.to_ascii_lowercase();
    let Some(handler) = shared.actions.get(&(route.clone(), action.to_ascii_lowercase())) else {
        return Err(Reply::message(400, format!("The action '{action}' is not available on '{route}'.")));
    };
    let body = if request.body.is_empty() { None } else { Some(json_body(request)?) };
    let call = ActionCall {
        method: request.method.as_str(),
        route: &route,
        id,
        action,
        company_key: scope.company,
        client_id: scope.client_id,
        body: body.as_ref(),
        url: &request.url,
    };
    let (status, body) = handler(&call);
    Ok(Reply::json(status.as_u16(), &body))
}
