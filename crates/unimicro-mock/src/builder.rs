//! Configuring the mock: clients, companies, entities, rules, and the clock.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::StatusCode;
use serde_json::{Map, Value, json};
use unimicro_auth::{Certificate, ClientSecret, Clock, SystemClock};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use crate::api::{ActionCall, ActionHandler, ApiResponder};
use crate::identity::IdentityResponder;
use crate::jwt::{ClientKey, ServerKey, pem_certificates};
use crate::server::{CompanyRecord, RegisteredClient, Shared, State};
use crate::store::{Store, ValidationRule, timestamp};
use crate::{Error, MockUnimicro, Result, TestCertificate};

/// A client of the identity server: its id, how it authenticates, and the scopes it may request.
///
/// ```
/// use unimicro_mock::MockClient;
///
/// let by_secret = MockClient::new("batch-job").secret("s3cret");
/// let by_cert = MockClient::new("integration").test_certificate().scopes(["AppFramework", "Sales.Admin"]);
/// ```
#[derive(Clone)]
#[must_use]
pub struct MockClient {
    id: String,
    secrets: Vec<ClientSecret>,
    certificates: Vec<CertSource>,
    test_certificate: bool,
    scopes: Vec<String>,
}

#[derive(Clone)]
enum CertSource {
    Der(Vec<u8>),
    Pem(String),
}

impl fmt::Debug for MockClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockClient")
            .field("id", &self.id)
            .field("secrets", &self.secrets.len())
            .field("certificates", &self.certificates.len())
            .field("test_certificate", &self.test_certificate)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl MockClient {
    /// A client allowed the scope `AppFramework`. Give it at least one secret or certificate.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            secrets: Vec::new(),
            certificates: Vec::new(),
            test_certificate: false,
            scopes: vec!["AppFramework".to_owned()],
        }
    }

    /// A client secret it may authenticate with (Basic or in the form). May be called again to
    /// register several (rotation).
    pub fn secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// A certificate whose key verifies its client assertions (only the public certificate is kept).
    pub fn certificate(mut self, certificate: &Certificate) -> Self {
        self.certificates.push(CertSource::Der(certificate.der().to_vec()));
        self
    }

    /// A certificate in DER form.
    pub fn certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.certificates.push(CertSource::Der(der.into()));
        self
    }

    /// A certificate in PEM form (every `CERTIFICATE` block in it is registered).
    pub fn certificate_pem(mut self, pem: impl Into<String>) -> Self {
        self.certificates.push(CertSource::Pem(pem.into()));
        self
    }

    /// Makes a throwaway RSA certificate for this client at start; get it with
    /// [`MockUnimicro::certificate`] or [`MockUnimicro::test_certificate`].
    pub fn test_certificate(mut self) -> Self {
        self.test_certificate = true;
        self
    }

    /// The scopes it may request (replacing the default `AppFramework`). Requesting any other scope
    /// gets `invalid_scope`; requesting none grants all of these.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
}

/// A company on the platform: what `/api/init/companies` lists to the clients it is granted to,
/// and its `CompanySettings`.
///
/// ```
/// use serde_json::json;
/// use unimicro_mock::MockCompany;
///
/// let company = MockCompany::new("3fa85f64-5717-4562-b3fc-2c963f66afa6", "Test AS")
///     .organization_number("999999999")
///     .grant("my-client")
///     .settings(json!({ "DefaultEmail": { "EmailAddress": "post@test.no" } }));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct MockCompany {
    key: String,
    name: String,
    id: Option<i64>,
    organization_number: Option<String>,
    is_test: bool,
    fields: Map<String, Value>,
    grants: Vec<String>,
    settings: Vec<Value>,
}

impl MockCompany {
    /// A company with its key (a GUID, what the `CompanyKey` header carries) and name.
    pub fn new(key: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            name: name.into(),
            id: None,
            organization_number: None,
            is_test: false,
            fields: Map::new(),
            grants: Vec::new(),
            settings: Vec::new(),
        }
    }

    /// Its `ID` (default: its position among the companies, from 1).
    pub fn id(mut self, id: i64) -> Self {
        self.id = Some(id);
        self
    }

    /// Its organisation number (`OrganizationNumber`).
    pub fn organization_number(mut self, number: impl Into<String>) -> Self {
        self.organization_number = Some(number.into());
        self
    }

    /// Whether it is a test company (`IsTest`).
    pub fn is_test(mut self, is_test: bool) -> Self {
        self.is_test = is_test;
        self
    }

    /// Any other field of its `/api/init/companies` object, e.g. one the SDK doesn't model.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.fields.insert(name.into(), value);
        self
    }

    /// Grants a client access to this company.
    pub fn grant(mut self, client_id: impl Into<String>) -> Self {
        self.grants.push(client_id.into());
        self
    }

    /// Fields of its `CompanySettings` (`/api/biz/companysettings/1`), laid over realistic defaults.
    /// Navigations (`DefaultAddress`, `DefaultEmail`, `DefaultPhone`, `BankAccounts` …) are objects or
    /// arrays; they are returned only when expanded.
    ///
    /// `settings` must be a JSON object ([`MockBuilder::start`] says so otherwise); called again, the
    /// fields add up.
    pub fn settings(mut self, settings: Value) -> Self {
        self.settings.push(settings);
        self
    }
}

/// Configures and starts a [`MockUnimicro`].
#[must_use]
pub struct MockBuilder {
    clients: Vec<MockClient>,
    companies: Vec<MockCompany>,
    entities: Vec<(String, String, Value)>,
    routes: Vec<(String, String)>,
    rules: Vec<(String, ValidationRule)>,
    actions: Vec<(String, String, ActionHandler)>,
    token_ttl: Duration,
    assertion_leeway: Duration,
    clock: Arc<dyn Clock>,
}

impl Default for MockBuilder {
    fn default() -> Self {
        Self {
            clients: Vec::new(),
            companies: Vec::new(),
            entities: Vec::new(),
            routes: Vec::new(),
            rules: Vec::new(),
            actions: Vec::new(),
            token_ttl: Duration::from_secs(3600),
            assertion_leeway: Duration::from_secs(10),
            clock: Arc::new(SystemClock),
        }
    }
}

impl fmt::Debug for MockBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockBuilder")
            .field("clients", &self.clients)
            .field("companies", &self.companies.len())
            .field("entities", &self.entities.len())
            .field("token_ttl", &self.token_ttl)
            .finish_non_exhaustive()
    }
}

impl MockBuilder {
    /// Registers a client.
    pub fn client(mut self, client: MockClient) -> Self {
        self.clients.push(client);
        self
    }

    /// Registers a company.
    pub fn company(mut self, company: MockCompany) -> Self {
        self.companies.push(company);
        self
    }

    /// Stores one entity of `route` (e.g. `customers`) for a company. An entity without an `ID` gets
    /// the next free one; nested records get IDs too. Any route seeded becomes a known route.
    pub fn entity(mut self, company_key: &str, route: &str, entity: Value) -> Self {
        self.entities.push((company_key.to_owned(), route.to_owned(), entity));
        self
    }

    /// Stores several entities of `route` for a company.
    pub fn entities(
        mut self,
        company_key: &str,
        route: &str,
        entities: impl IntoIterator<Item = Value>,
    ) -> Self {
        for e in entities {
            self = self.entity(company_key, route, e);
        }
        self
    }

    /// Makes `route` known (an unknown route answers 404, as on the platform) with `model` as its
    /// name for `/api/statistics?model=` and validation results. Common routes (`customers`,
    /// `invoices`, `products` …) are known already.
    pub fn route(mut self, route: &str, model: &str) -> Self {
        self.routes.push((route.to_owned(), model.to_owned()));
        self
    }

    /// A validation rule for POST and PUT on `route`.
    pub fn validation(mut self, route: &str, rule: ValidationRule) -> Self {
        self.rules.push((route.to_owned(), rule));
        self
    }

    /// Handles `?action={name}` on `route` (collection or item, any method) with `handler`, which
    /// returns the status and JSON body. Unregistered actions answer 400.
    pub fn action(
        mut self,
        route: &str,
        name: &str,
        handler: impl Fn(&ActionCall<'_>) -> (StatusCode, Value) + Send + Sync + 'static,
    ) -> Self {
        self.actions.push((route.to_ascii_lowercase(), name.to_ascii_lowercase(), Arc::new(handler)));
        self
    }

    /// The lifetime of issued access tokens (`expires_in`, whole seconds, at least 1; default 3600 s).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// How far client-assertion times (`exp`, `nbf`, `iat`, real time) may be off (default 10 s).
    pub fn assertion_leeway(mut self, leeway: Duration) -> Self {
        self.assertion_leeway = leeway;
        self
    }

    /// The clock access-token expiry is measured with (default [`SystemClock`]); pass a
    /// [`ManualClock`](unimicro_auth::ManualClock) to expire tokens without waiting.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// As [`MockBuilder::clock`], for a clock already shared.
    pub fn shared_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Checks the configuration, makes keys and test certificates, and starts the identity server and
    /// the API on two free loopback ports.
    ///
    /// # Errors
    /// [`Error::Config`] naming what is wrong (duplicate or unknown ids, a company key that isn't a GUID,
    /// a client with no way to authenticate …), [`Error::InvalidCertificate`], [`Error::KeyGeneration`].
    pub async fn start(self) -> Result<MockUnimicro> {
        let config = |m: String| Err(Error::Config(m));
        if self.token_ttl < Duration::from_secs(1) {
            return config("the token TTL must be at least one second".into());
        }
        let mut clients = HashMap::new();
        let mut test_certificates = HashMap::new();
        for client in &self.clients {
            let id = &client.id;
            if id.trim().is_empty() {
                return config("a client id is empty".into());
            }
            if client.secrets.is_empty() && client.certificates.is_empty() && !client.test_certificate {
                return config(format!(
                    "client `{id}` has no way to authenticate: give it a secret or a certificate"
                ));
            }
            if client.secrets.iter().any(|s| s.expose_secret().is_empty()) {
                return config(format!("client `{id}` has an empty secret"));
            }
            if client.scopes.iter().any(|s| s.is_empty() || s.contains(char::is_whitespace)) {
                return config(format!("client `{id}` has a scope that is empty or contains spaces"));
            }
            let mut keys = Vec::new();
            for source in &client.certificates {
                let ders = match source {
                    CertSource::Der(der) => vec![der.clone()],
                    CertSource::Pem(pem) => pem_certificates(pem)
                        .map_err(|reason| Error::InvalidCertificate { client_id: id.clone(), reason })?,
                };
                for der in ders {
                    keys.push(
                        ClientKey::from_certificate_der(&der)
                            .map_err(|reason| Error::InvalidCertificate { client_id: id.clone(), reason })?,
                    );
                }
            }
            if client.test_certificate {
                let cert = TestCertificate::generate(id)?;
                keys.push(
                    ClientKey::from_certificate_der(cert.der())
                        .map_err(|reason| Error::InvalidCertificate { client_id: id.clone(), reason })?,
                );
                test_certificates.insert(id.clone(), cert);
            }
            let registered =
                RegisteredClient { secrets: client.secrets.clone(), keys, scopes: client.scopes.clone() };
            if clients.insert(id.clone(), registered).is_some() {
                return config(format!("client `{id}` is registered twice"));
            }
        }

        let identity = MockServer::builder().disable_request_recording().start().await;
        let api = MockServer::builder().disable_request_recording().start().await;
        let authority = identity.uri().trim_end_matches('/').to_owned();
        let api_base = format!("{}/", api.uri().trim_end_matches('/'));
        let created_at = timestamp(self.clock.now());

        let mut store = Store::default();
        for (route, model) in &self.routes {
            store.register_route(route, Some(model));
        }
        for (route, rule) in self.rules {
            store.add_rule(&route, rule);
        }
        let mut companies = Vec::new();
        let mut keys_seen = HashSet::new();
        for (index, company) in self.companies.iter().enumerate() {
            let key = &company.key;
            if uuid::Uuid::parse_str(key).is_err() {
                return config(format!(
                    "company key `{key}` is not a GUID: the platform's company keys are GUIDs, e.g. `3fa85f64-5717-4562-b3fc-2c963f66afa6`"
                ));
            }
            if !keys_seen.insert(key.to_ascii_lowercase()) {
                return config(format!("company key `{key}` is registered twice"));
            }
            for client in &company.grants {
                if !clients.contains_key(client) {
                    return config(format!(
                        "company `{}` is granted to `{client}`, which is not a registered client",
                        company.name
                    ));
                }
            }
            let id = company.id.unwrap_or(index as i64 + 1);
            companies.push(CompanyRecord {
                key: key.clone(),
                json: company_json(company, id, &created_at),
                granted: company.grants.iter().cloned().collect(),
            });
            let mut settings = default_settings(company, &created_at);
            for part in &company.settings {
                let (Value::Object(map), Value::Object(fields)) = (&mut settings, part) else {
                    return config(format!(
                        "the settings of company `{}` are not a JSON object",
                        company.name
                    ));
                };
                map.extend(fields.clone());
            }
            if let Value::Object(map) = &mut settings {
                map.insert("ID".into(), json!(1));
            }
            store.seed(key, "companysettings", settings);
        }
        for (company_key, route, entity) in self.entities {
            if !keys_seen.contains(&company_key.to_ascii_lowercase()) {
                return config(format!(
                    "entities of `{route}` are seeded for company `{company_key}`, which is not registered"
                ));
            }
            if !entity.is_object() {
                return config(format!("an entity seeded for `{route}` is not a JSON object"));
            }
            store.seed(&company_key, &route, entity);
        }

        let shared = Arc::new(Shared {
            token_endpoint: format!("{authority}/connect/token"),
            authority,
            api_base,
            key: ServerKey::generate()?,
            clock: self.clock,
            token_ttl: self.token_ttl,
            assertion_leeway: self.assertion_leeway,
            clients,
            companies,
            actions: self.actions.into_iter().map(|(r, n, h)| ((r, n), h)).collect(),
            state: Mutex::new(State { store, ..State::default() }),
        });
        Mock::given(any()).respond_with(IdentityResponder(shared.clone())).mount(&identity).await;
        Mock::given(any()).respond_with(ApiResponder(shared.clone())).mount(&api).await;
        Ok(MockUnimicro { _servers: (identity, api), shared, test_certificates })
    }
}

/// The company object of `/api/init/companies`, with the fields the platform sends (some of which
/// an SDK may not model).
fn company_json(company: &MockCompany, id: i64, created_at: &str) -> Value {
    let mut json = json!({
        "ID": id,
        "Key": company.key,
        "Name": company.name,
        "OrganizationNumber": company.organization_number,
        "IsTest": company.is_test,
        "IsTemplate": false,
        "IsGlobalTemplate": false,
        "ClientNumber": 100_000 + id,
        "SchemaName": format!("client{}", 100_000 + id),
        "ConnectionString": null,
        "FileFlowEmail": format!("company{id}@files.unimicro-mock.invalid"),
        "FileFlowOrgnrEmail": null,
        "WebHookSubscriberId": null,
        "LastActivity": created_at,
        "StatusCode": 1,
        "CreatedAt": created_at,
        "CreatedBy": "unimicro-mock",
        "UpdatedAt": null,
        "UpdatedBy": null,
        "Deleted": false,
        "_createguid": null,
        "CustomValues": {},
    });
    if let Value::Object(map) = &mut json {
        map.extend(company.fields.clone());
    }
    json
}

/// Realistic `CompanySettings` defaults for a company.
fn default_settings(company: &MockCompany, created_at: &str) -> Value {
    let mut settings = json!({
        "ID": 1,
        "CompanyName": company.name,
        "OrganizationNumber": company.organization_number,
        "WebAddress": null,
        "GLN": null,
        "BaseCurrencyCodeID": 1,
        "CompanyTypeID": 1,
        "CompanyRegistered": true,
        "TaxMandatory": true,
        "TaxMandatoryType": 3,
        "TaxableFromDate": null,
        "TaxableFromLimit": 0.0,
        "AccountingLockedDate": null,
        "VatLockedDate": null,
        "OfficeMunicipalityNo": "0301",
        "Localization": "nb",
        "LogoFileID": null,
        "LogoAlign": 1,
        "DefaultAddressID": null,
        "DefaultEmailID": null,
        "DefaultPhoneID": null,
        "CompanyBankAccountID": null,
        "TaxBankAccountID": null,
        "SalaryBankAccountID": null,
        "CustomerAccountID": 1500,
        "SupplierAccountID": 2400,
        "DefaultSalesAccountID": 3000,
        "CustomerCreditDays": 14,
    });
    let more = json!({
        "RoundingType": 1,
        "RoundingNumberOfDecimals": 2,
        "ShowNumberOfDecimals": 2,
        "APActivated": false,
        "APGuid": null,
        "HasAutobank": false,
        "UseOcrInterpretation": false,
        "Factoring": 0,
        "StatusCode": null,
        "CreatedAt": created_at,
        "CreatedBy": "unimicro-mock",
        "UpdatedAt": null,
        "UpdatedBy": null,
        "Deleted": false,
        "_createguid": null,
        "CustomValues": {},
    });
    if let (Value::Object(map), Value::Object(more)) = (&mut settings, more) {
        map.extend(more);
    }
    settings
}
