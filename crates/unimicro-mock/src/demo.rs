//! A ready-made set of clients, companies and entities: what the examples run against.

use serde_json::{Value, json};

use crate::{MockBuilder, MockClient, MockCompany, ValidationRule};

/// The names of the demo data that [`MockBuilder::with_demo_data`] adds.
///
/// Two clients — one with a test certificate, one with a client secret — both granted two companies,
/// each with complete `CompanySettings` (address, email, phone, bank accounts), a few customers and
/// products. Customers require `Info.Name`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct DemoData;

impl DemoData {
    /// The client with a throwaway certificate ([`MockUnimicro::certificate`](crate::MockUnimicro::certificate)
    /// gives it).
    pub const CERT_CLIENT_ID: &'static str = "demo-certificate-client";
    /// The client with a client secret.
    pub const SECRET_CLIENT_ID: &'static str = "demo-secret-client";
    /// The secret of [`DemoData::SECRET_CLIENT_ID`] (a demo value, not a real secret).
    pub const CLIENT_SECRET: &'static str = "demo-secret-not-for-production";
    /// The key of "Fjellbekk Regnskap AS".
    pub const COMPANY_KEY: &'static str = "0f9a8c2e-5b7d-4e3a-9c1f-2a6b8d4e7f10";
    /// The key of "Nordlys Testbedrift AS" (a test company).
    pub const TEST_COMPANY_KEY: &'static str = "6c2d9e41-3a8f-4b7c-8e5d-1f0a2b3c4d5e";
}

impl MockBuilder {
    /// Adds the [`DemoData`]: two clients, two companies with settings, customers and products.
    pub fn with_demo_data(self) -> Self {
        let clients = [DemoData::CERT_CLIENT_ID, DemoData::SECRET_CLIENT_ID];
        let company = |key: &str, name: &str, org: &str, is_test: bool| {
            clients
                .iter()
                .fold(MockCompany::new(key, name).organization_number(org).is_test(is_test), |c, client| {
                    c.grant(*client)
                })
        };
        self.client(MockClient::new(DemoData::CERT_CLIENT_ID).test_certificate())
            .client(MockClient::new(DemoData::SECRET_CLIENT_ID).secret(DemoData::CLIENT_SECRET))
            .company(company(DemoData::COMPANY_KEY, "Fjellbekk Regnskap AS", "912345678", false).settings(
                settings(
                    "Fjellbekk Regnskap AS",
                    "Storgata 1",
                    "0155",
                    "Oslo",
                    "post@fjellbekk.no",
                    "+47 22 00 00 01",
                    "1503.12.34567",
                ),
            ))
            .company(
                company(DemoData::TEST_COMPANY_KEY, "Nordlys Testbedrift AS", "998877665", true).settings(
                    settings(
                        "Nordlys Testbedrift AS",
                        "Sjøgata 12",
                        "9008",
                        "Tromsø",
                        "kontakt@nordlys.test",
                        "+47 77 00 00 02",
                        "4730.56.78901",
                    ),
                ),
            )
            .entities(
                DemoData::COMPANY_KEY,
                "customers",
                customers(&["Acme Norge AS", "O'Brien Fisk AS", "Bølgen & Co"]),
            )
            .entities(DemoData::TEST_COMPANY_KEY, "customers", customers(&["Testkunde AS", "Nordavind ANS"]))
            .entities(DemoData::COMPANY_KEY, "products", products())
            .entities(DemoData::TEST_COMPANY_KEY, "products", products())
            .validation("customers", ValidationRule::required("Info.Name"))
    }
}

fn settings(
    name: &str,
    street: &str,
    postal: &str,
    city: &str,
    email: &str,
    phone: &str,
    account: &str,
) -> Value {
    json!({
        "CompanyName": name,
        "WebAddress": format!("https://www.{}.no", name.split_whitespace().next().unwrap_or("demo").to_lowercase()),
        "DefaultAddress": {
            "AddressLine1": street, "AddressLine2": null, "AddressLine3": null,
            "PostalCode": postal, "City": city, "Country": "Norge", "CountryCode": "NO", "Region": null,
        },
        "DefaultEmail": { "EmailAddress": email, "Type": 1, "Description": "Post" },
        "DefaultPhone": { "Number": phone, "CountryCode": "NO", "Type": 150101, "Description": "Sentralbord" },
        "BankAccounts": [
            { "AccountNumber": account.replace('.', ""), "BankAccountType": "company", "Label": "Driftskonto", "IBAN": null },
            { "AccountNumber": "15031234568", "BankAccountType": "tax", "Label": "Skattetrekk", "IBAN": null },
        ],
    })
}

fn customers(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({
                "CustomerNumber": 100_001 + i as i64,
                "OrgNumber": format!("9{:08}", 1000 + i),
                "CreditDays": 14,
                "StatusCode": 30001,
                "Info": { "Name": name, "DefaultEmail": { "EmailAddress": format!("faktura{}@example.no", i + 1) } },
                "CustomValues": {},
            })
        })
        .collect()
}

fn products() -> Vec<Value> {
    vec![
        json!({ "PartName": "1001", "Name": "Regnskapstime", "Unit": "time", "PriceExVat": 950.0, "PriceIncVat": 1187.5, "VatTypeID": 3 }),
        json!({ "PartName": "1002", "Name": "Årsoppgjør", "Unit": "stk", "PriceExVat": 12500.0, "PriceIncVat": 15625.0, "VatTypeID": 3 }),
    ]
}
