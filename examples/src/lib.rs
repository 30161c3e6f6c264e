//! Shared setup for the examples: the real platform when `UNIMICRO_*` variables are set, otherwise
//! [`unimicro_mock`] started in-process with its demo data and a throwaway certificate.
//!
//! Nothing here is needed by applications: it only lets every example run on a fresh clone with no
//! credentials, and unchanged against Unimicro's test environment.

use std::error::Error;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use unimicro_api::{Certificate, ClientBuilder, ClientSecret, Environment};
use unimicro_auth::ClientCredentials;
use unimicro_mock::{DemoData, MockUnimicro};

/// The error type of the examples.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// Whether any `UNIMICRO_*` variable is set: then the examples call the real platform.
pub fn real_platform_configured() -> bool {
    std::env::vars_os().any(|(name, _)| name.to_string_lossy().starts_with("UNIMICRO_"))
}

/// Logs to stderr; `RUST_LOG` overrides the default filter (e.g. `RUST_LOG=unimicro_auth=debug`).
pub fn init_tracing(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .compact()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

/// The in-process mock with its demo data, and the demo certificate client's certificate written as a
/// password-protected `.p12` file, as the developer portal issues them. Deleted when dropped.
#[derive(Debug)]
pub struct Demo {
    mock: MockUnimicro,
    dir: ThrowawayDir,
    cert_path: PathBuf,
    cert_password: String,
}

impl Demo {
    /// Starts the mock on loopback ports and writes the throwaway `.p12`.
    ///
    /// # Errors
    /// When the mock can't start or the file can't be written.
    pub async fn start() -> Result<Self, BoxError> {
        let mock = MockUnimicro::builder().with_demo_data().start().await?;
        let dir = ThrowawayDir::new()?;
        let cert_path = dir.0.join("demo-client.p12");
        let cert_password = uuid::Uuid::new_v4().to_string();
        let test_cert = mock
            .test_certificate(DemoData::CERT_CLIENT_ID)
            .ok_or("the demo data has no certificate client")?;
        write_pkcs12(test_cert.der(), test_cert.key_pem(), &cert_path, &cert_password)?;
        Ok(Self { mock, dir, cert_path, cert_password })
    }

    /// The mock, for its counters and fault knobs.
    pub fn mock(&self) -> &MockUnimicro {
        &self.mock
    }

    /// The mock's API and identity server as an [`Environment`].
    ///
    /// # Errors
    /// Never in practice: the mock's URLs are valid loopback URLs.
    pub fn environment(&self) -> Result<Environment, BoxError> {
        Ok(Environment::custom(self.mock.api_base(), self.mock.authority())?)
    }

    /// The demo client that authenticates with a certificate.
    pub fn cert_client_id(&self) -> &'static str {
        DemoData::CERT_CLIENT_ID
    }

    /// The throwaway `.p12` file of [`cert_client_id`](Self::cert_client_id).
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// The password of [`cert_path`](Self::cert_path) (random, made for this run).
    pub fn cert_password(&self) -> &str {
        &self.cert_password
    }

    /// The demo client that authenticates with a client secret, and its (demo) secret.
    pub fn secret_client(&self) -> (&'static str, ClientSecret) {
        (DemoData::SECRET_CLIENT_ID, ClientSecret::new(DemoData::CLIENT_SECRET))
    }

    /// The directory the `.p12` was written to (deleted on drop).
    pub fn dir(&self) -> &Path {
        &self.dir.0
    }
}

/// How a client proves its identity.
#[derive(Debug, Clone)]
pub enum Credential {
    /// Client assertions signed with a certificate's key.
    Certificate(Certificate),
    /// A client secret.
    Secret(ClientSecret),
}

/// Where an example runs and as whom: the real platform (from `UNIMICRO_*`) or the demo.
#[derive(Debug)]
pub struct Target {
    /// The platform.
    pub environment: Environment,
    /// The client id.
    pub client_id: String,
    /// The client's credential.
    pub credential: Credential,
    demo: Option<Demo>,
}

/// Which of the demo's clients to use when no `UNIMICRO_*` variable is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoClient {
    /// The client with a certificate (loaded from the throwaway `.p12`).
    Certificate,
    /// The client with a client secret.
    Secret,
}

impl Target {
    /// The real platform if `UNIMICRO_*` variables are set (see [`Target::from_env`]), else the demo.
    ///
    /// # Errors
    /// A missing or wrong variable, or a demo that can't start.
    pub async fn from_env_or_demo(demo_client: DemoClient) -> Result<Self, BoxError> {
        if real_platform_configured() {
            return Self::from_env();
        }
        let demo = Demo::start().await?;
        let (client_id, credential) = match demo_client {
            DemoClient::Certificate => {
                let cert = Certificate::from_pkcs12_file(demo.cert_path(), demo.cert_password())?;
                (demo.cert_client_id().to_owned(), Credential::Certificate(cert))
            }
            DemoClient::Secret => {
                let (id, secret) = demo.secret_client();
                (id.to_owned(), Credential::Secret(secret))
            }
        };
        Ok(Self { environment: demo.environment()?, client_id, credential, demo: Some(demo) })
    }

    /// From `UNIMICRO_CLIENT_ID`, `UNIMICRO_ENV` (or `UNIMICRO_API_URL` + `UNIMICRO_AUTHORITY`), and
    /// `UNIMICRO_CERT_PATH` + `UNIMICRO_CERT_PASSWORD` or `UNIMICRO_CLIENT_SECRET` — the variables
    /// `unimicro_api::Client::from_env` reads.
    ///
    /// # Errors
    /// Naming the variable that is missing or wrong.
    pub fn from_env() -> Result<Self, BoxError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let need = |name: &str| var(name).ok_or_else(|| format!("{name} is not set"));
        let environment = match var("UNIMICRO_ENV").map(|e| e.to_ascii_lowercase()).as_deref() {
            Some("test") => Environment::Test,
            Some("production" | "prod") => Environment::Production,
            Some(other) => return Err(format!("UNIMICRO_ENV is `{other}`: use test or production").into()),
            None => Environment::custom(need("UNIMICRO_API_URL")?, need("UNIMICRO_AUTHORITY")?)?,
        };
        let credential = match var("UNIMICRO_CERT_PATH") {
            Some(path) => {
                let password = std::env::var("UNIMICRO_CERT_PASSWORD")
                    .map_err(|_| "UNIMICRO_CERT_PASSWORD is not set (set it empty if the file has none)")?;
                Credential::Certificate(Certificate::from_pkcs12_file(path, &password)?)
            }
            None => Credential::Secret(ClientSecret::new(need("UNIMICRO_CLIENT_SECRET")?)),
        };
        Ok(Self { environment, client_id: need("UNIMICRO_CLIENT_ID")?, credential, demo: None })
    }

    /// A client builder with this target's environment, client id and credential.
    pub fn client_builder(&self) -> ClientBuilder {
        let builder = unimicro_api::Client::builder()
            .environment(self.environment.clone())
            .client_id(self.client_id.clone());
        match &self.credential {
            Credential::Certificate(cert) => builder.certificate(cert.clone()),
            Credential::Secret(secret) => builder.client_secret(secret.clone()),
        }
    }

    /// The client credentials against this target's identity server, scope `AppFramework`: for
    /// building a middleware stack by hand.
    ///
    /// # Errors
    /// As [`ClientCredentials::builder`]'s `build`.
    pub fn credentials(&self) -> Result<ClientCredentials, BoxError> {
        let builder = ClientCredentials::builder(&self.client_id)
            .authority(self.environment.authority().as_str())
            .scopes(["AppFramework"]);
        let builder = match &self.credential {
            Credential::Certificate(cert) => builder.certificate(cert.clone()),
            Credential::Secret(secret) => builder.client_secret(secret.clone()),
        };
        Ok(builder.build()?)
    }

    /// The demo's mock, when running against it.
    pub fn mock(&self) -> Option<&MockUnimicro> {
        self.demo.as_ref().map(Demo::mock)
    }

    /// One line saying where the example runs.
    pub fn describe(&self) -> String {
        match &self.demo {
            Some(_) => format!(
                "the in-process Unimicro mock at {} (no UNIMICRO_* variables set)",
                self.environment.api_base()
            ),
            None => format!("{} as client `{}`", self.environment.api_base(), self.client_id),
        }
    }
}

/// Writes a certificate (DER) and its PKCS#8 PEM key as a PKCS#12 file protected by `password`.
fn write_pkcs12(cert_der: &[u8], key_pem: &str, path: &Path, password: &str) -> Result<(), BoxError> {
    let body: String = key_pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let key_der = base64::engine::general_purpose::STANDARD.decode(body.trim())?;
    let key = p12_keystore::PrivateKey::from_der(&key_der)?;
    let cert = p12_keystore::Certificate::from_der(cert_der)?;
    let chain = p12_keystore::PrivateKeyChain::new("demo-client", key, [cert]);
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry("demo-client", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    std::fs::write(path, store.writer(password).write()?)?;
    Ok(())
}

/// A fresh directory under the system's temporary directory, removed on drop.
#[derive(Debug)]
struct ThrowawayDir(PathBuf);

impl ThrowawayDir {
    fn new() -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("unimicro-examples-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for ThrowawayDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
