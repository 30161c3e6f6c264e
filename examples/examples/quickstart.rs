//! The three steps of Unimicro's server guide — load the certificate, get a token, call the API —
//! with the token's lifetime, company context and errors handled by the SDK.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With no `UNIMICRO_*` variables set it starts an in-process mock of Unimicro (identity server and
//! API, with demo companies) and a throwaway certificate, and runs the same code against it. To call
//! Unimicro's test environment instead, set `UNIMICRO_CLIENT_ID`, `UNIMICRO_CERT_PATH`,
//! `UNIMICRO_CERT_PASSWORD` and `UNIMICRO_ENV=test`.

use unimicro_api::{Certificate, Client, Company, CompanySettings};
use unimicro_examples::{BoxError, Demo, init_tracing, real_platform_configured};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    init_tracing("warn");

    // 1. Load the certificate and build the client (no request is made yet).
    let (client, demo) = if real_platform_configured() {
        (Client::from_env()?, None)
    } else {
        let demo = Demo::start().await?;
        let certificate = Certificate::from_pkcs12_file(demo.cert_path(), demo.cert_password())?;
        let days_left =
            certificate.not_after().duration_since(std::time::SystemTime::now()).unwrap_or_default();
        println!(
            "Loaded certificate {} (valid {} more days)",
            certificate.subject(),
            days_left.as_secs() / 86_400
        );
        let client = Client::builder()
            .environment(demo.environment()?)
            .client_id(demo.cert_client_id())
            .certificate(certificate)
            .build()?;
        (client, Some(demo))
    };
    println!("Calling {}\n", client.api_base());

    // 2. + 3. The first call gets a token (client assertion signed with the certificate's key);
    // later calls reuse it until shortly before it expires.
    let companies = client.companies().await?;
    println!("{} companies:", companies.len());
    for company in &companies {
        print_company(company);
        let Some(key) = &company.key else {
            println!("    (no company key: skipped)");
            continue;
        };
        match client.company(key).settings().expand(["DefaultAddress", "DefaultEmail", "BankAccounts"]).await
        {
            Ok(settings) => print_settings(&settings),
            Err(e) => println!("    settings: {e}"),
        }
    }

    if let Some(demo) = &demo {
        let mock = demo.mock();
        println!(
            "\nThe mock answered {} API requests after {} token request(s).",
            mock.api_requests_total(),
            mock.token_requests(demo.cert_client_id())
        );
    }
    Ok(())
}

fn print_company(company: &Company) {
    println!(
        "  {} (org. no. {}{})",
        company.name.as_deref().unwrap_or("<no name>"),
        company.organization_number.as_deref().unwrap_or("-"),
        if company.is_test == Some(true) { ", test company" } else { "" }
    );
    if let Some(key) = &company.key {
        println!("    key: {key}");
    }
}

fn print_settings(settings: &CompanySettings) {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    println!("    settings: {} · web {}", text(&settings.company_name), text(&settings.web_address));
    if let Some(address) = &settings.default_address {
        println!(
            "    address:  {}, {} {}",
            text(&address.address_line1),
            text(&address.postal_code),
            text(&address.city)
        );
    }
    if let Some(email) = &settings.default_email {
        println!("    e-mail:   {}", text(&email.email_address));
    }
    for account in settings.bank_accounts.iter().flatten() {
        let label = account.extra.get("Label").and_then(|v| v.as_str()).unwrap_or("account");
        println!("    bank:     {} ({label})", text(&account.account_number));
    }
}
