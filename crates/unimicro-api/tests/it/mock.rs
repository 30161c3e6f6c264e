//! The client against unimicro-mock: real token requests (certificate and secret), real company
//! grants, the platform's answers.

use unimicro_api::{Client, Environment};
use unimicro_mock::{DemoData, MockUnimicro};

async fn demo() -> MockUnimicro {
    MockUnimicro::builder().with_demo_data().start().await.unwrap()
}

fn environment(mock: &MockUnimicro) -> Environment {
    Environment::custom(mock.api_base(), mock.authority()).unwrap()
}

fn certificate_client(mock: &MockUnimicro) -> Client {
    Client::builder()
        .environment(environment(mock))
        .client_id(DemoData::CERT_CLIENT_ID)
        .certificate(mock.certificate(DemoData::CERT_CLIENT_ID).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn companies_and_settings_with_a_certificate() {
    let mock = demo().await;
    let client = certificate_client(&mock);

    let companies = client.companies().await.unwrap();
    let mut names: Vec<&str> = companies.iter().filter_map(|c| c.name.as_deref()).collect();
    names.sort();
    assert_eq!(names, ["Fjellbekk Regnskap AS", "Nordlys Testbedrift AS"]);
    let fjellbekk =
        companies.iter().find(|c| c.key.as_ref().unwrap().as_str() == DemoData::COMPANY_KEY).unwrap();
    assert_eq!(fjellbekk.organization_number.as_deref(), Some("912345678"));

    let settings = client.company(DemoData::COMPANY_KEY).settings().await.unwrap();
    assert_eq!(settings.company_name.as_deref(), Some("Fjellbekk Regnskap AS"));
    assert!(settings.default_address.is_none(), "navigations come only when expanded");

    let expanded = client
        .company(DemoData::COMPANY_KEY)
        .settings()
        .expand(["DefaultAddress", "BankAccounts"])
        .await
        .unwrap();
    assert_eq!(expanded.default_address.as_ref().and_then(|a| a.city.as_deref()), Some("Oslo"));
    assert_eq!(expanded.bank_accounts.as_ref().map(Vec::len), Some(2));

    let selected =
        client.company(DemoData::TEST_COMPANY_KEY).settings().select(["CompanyName"]).await.unwrap();
    assert_eq!(selected.company_name.as_deref(), Some("Nordlys Testbedrift AS"));
    assert_eq!(selected.web_address, None, "fields not selected are not sent");

    assert_eq!(mock.token_requests(DemoData::CERT_CLIENT_ID), 1, "one token for all calls");
}

#[tokio::test]
async fn company_key_is_sent_on_every_company_call_only() {
    let mock = demo().await;
    let client = certificate_client(&mock);
    client.companies().await.unwrap();
    for key in [DemoData::COMPANY_KEY, DemoData::TEST_COMPANY_KEY] {
        client.company(key).settings().await.unwrap();
        client.company(key).settings().select(["ID"]).expand(["DefaultEmail"]).await.unwrap();
    }
    let log = mock.api_request_log();
    assert_eq!(log.len(), 5);
    for request in &log {
        if request.path.starts_with("/api/biz/") {
            assert!(request.company_key.is_some(), "{request:?}");
        } else {
            assert_eq!(request.company_key, None, "{request:?}");
        }
        assert_eq!(request.status, 200, "{request:?}");
    }
    let keys: Vec<&str> = log.iter().filter_map(|r| r.company_key.as_deref()).collect();
    assert_eq!(
        keys,
        [
            DemoData::COMPANY_KEY,
            DemoData::COMPANY_KEY,
            DemoData::TEST_COMPANY_KEY,
            DemoData::TEST_COMPANY_KEY
        ]
    );
}

#[tokio::test]
async fn a_client_secret_works_too() {
    let mock = demo().await;
    let client = Client::builder()
        .environment(environment(&mock))
        .client_id(DemoData::SECRET_CLIENT_ID)
        .client_secret(DemoData::CLIENT_SECRET)
        .build()
        .unwrap();
    assert_eq!(client.companies().await.unwrap().len(), 2);
    assert_eq!(mock.token_requests(DemoData::SECRET_CLIENT_ID), 1);
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error_and_the_api_sees_nothing() {
    let mock = demo().await;
    let client = Client::builder()
        .environment(environment(&mock))
        .client_id(DemoData::SECRET_CLIENT_ID)
        .client_secret("not-the-secret")
        .build()
        .unwrap();
    let e = client.companies().await.unwrap_err();
    let auth = e.auth_error().unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!(auth.oauth().map(|o| o.code()), Some("invalid_client"));
    assert!(!format!("{e:?} {e}").contains("not-the-secret"));
    assert_eq!(mock.api_requests_total(), 0);
}

#[tokio::test]
async fn a_company_not_granted_is_forbidden() {
    let mock = demo().await;
    let e = certificate_client(&mock)
        .company("11111111-2222-3333-4444-555555555555")
        .settings()
        .await
        .unwrap_err();
    assert!(e.is_forbidden(), "{e:?}");
    assert!(e.api_error().unwrap().message().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn a_revoked_token_is_replaced_and_the_call_succeeds() {
    let mock = demo().await;
    let client = certificate_client(&mock);
    client.companies().await.unwrap();
    assert_eq!(mock.revoke_tokens(), 1);

    let settings = client.company(DemoData::COMPANY_KEY).settings().await.unwrap();

    assert_eq!(settings.company_name.as_deref(), Some("Fjellbekk Regnskap AS"));
    assert_eq!(mock.token_requests(DemoData::CERT_CLIENT_ID), 2);
    assert_eq!(mock.api_requests_with_status("/api/biz/companysettings", 401), 1);
    assert_eq!(mock.api_requests_with_status("/api/biz/companysettings", 200), 1);
}

#[tokio::test]
async fn calls_run_on_spawned_tasks() {
    let mock = demo().await;
    let client = certificate_client(&mock);
    let tasks: Vec<_> = [DemoData::COMPANY_KEY, DemoData::TEST_COMPANY_KEY]
        .into_iter()
        .map(|key| {
            let client = client.clone();
            tokio::spawn(async move { client.company(key).settings().await })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().unwrap().company_name.is_some());
    }
    assert_eq!(
        mock.token_requests(DemoData::CERT_CLIENT_ID),
        1,
        "concurrent first calls share one token request"
    );
}
