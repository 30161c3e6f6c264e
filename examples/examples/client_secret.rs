//! A client that authenticates with a client secret instead of a certificate.
//!
//! ```sh
//! cargo run --example client_secret
//! ```
//!
//! Against the in-process mock by default; set `UNIMICRO_CLIENT_ID`, `UNIMICRO_CLIENT_SECRET` and
//! `UNIMICRO_ENV=test` to call Unimicro's test environment. The secret is never printed: `ClientSecret`'s
//! `Debug` shows `[redacted]`, and no error or log line carries it.

use std::time::Duration;

use unimicro_api::Client;
use unimicro_examples::{BoxError, Credential, DemoClient, Target, init_tracing};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    init_tracing("warn");
    let target = Target::from_env_or_demo(DemoClient::Secret).await?;
    let Credential::Secret(secret) = &target.credential else {
        return Err("this example authenticates with a client secret: set UNIMICRO_CLIENT_SECRET, \
                    not UNIMICRO_CERT_PATH"
            .into());
    };
    println!("Calling {}", target.describe());
    println!("Secret as Debug prints it: {secret:?}");

    let client: Client = Client::builder()
        .environment(target.environment.clone())
        .client_id(&target.client_id)
        .client_secret(secret.clone())
        .user_agent("unimicro-examples-client-secret/1.0")
        .timeout(Duration::from_secs(30))
        .build()?;

    let companies = client.companies().await?;
    for company in &companies {
        let Some(key) = &company.key else { continue };
        // `select` asks only for these fields; the others stay `None`.
        let settings =
            client.company(key).settings().select(["ID", "CompanyName", "OrganizationNumber"]).await?;
        println!(
            "  {:<28} org. no. {}",
            settings.company_name.as_deref().unwrap_or("-"),
            settings.organization_number.as_deref().unwrap_or("-")
        );
    }

    if let Some(mock) = target.mock() {
        // One token request for all the calls: the token is cached and shared.
        println!(
            "The mock saw {} token request(s) and {} API requests.",
            mock.token_requests(&target.client_id),
            mock.api_requests_total()
        );
    }
    Ok(())
}
