//! The demo data the examples run against, end to end with the auth crate; and secrets in Debug.

use serde_json::json;
use unimicro_auth::ClientCredentials;
use unimicro_mock::{DemoData, MockClient, MockUnimicro, TestCertificate};

use crate::support::*;

#[tokio::test]
async fn demo_data_works_with_both_clients() {
    let mock = MockUnimicro::builder().with_demo_data().start().await.unwrap();
    let by_cert = ClientCredentials::builder(DemoData::CERT_CLIENT_ID)
        .certificate(mock.certificate(DemoData::CERT_CLIENT_ID).unwrap())
        .authority(mock.authority())
        .scopes(["AppFramework"])
        .build()
        .unwrap();
    let by_secret = ClientCredentials::builder(DemoData::SECRET_CLIENT_ID)
        .client_secret(DemoData::CLIENT_SECRET)
        .authority(mock.authority())
        .build()
        .unwrap();
    for credentials in [by_cert, by_secret] {
        let token = credentials.request_token().await.unwrap();
        let companies = get(&mock, "api/init/companies", token.secret(), None).await;
        let keys: Vec<&str> =
            companies.body.as_array().unwrap().iter().map(|c| c["Key"].as_str().unwrap()).collect();
        assert_eq!(keys, [DemoData::COMPANY_KEY, DemoData::TEST_COMPANY_KEY]);
        for key in keys {
            let settings = get(
                &mock,
                "api/biz/companysettings/1?expand=DefaultAddress,DefaultEmail,DefaultPhone,BankAccounts",
                token.secret(),
                Some(key),
            )
            .await;
            assert_eq!(settings.status, 200);
            assert!(settings.body["CompanyName"].as_str().unwrap().ends_with(" AS"));
            assert!(settings.body["DefaultAddress"]["City"].is_string());
            assert!(settings.body["DefaultEmail"]["EmailAddress"].is_string());
            assert!(settings.body["DefaultPhone"]["Number"].is_string());
            assert_eq!(settings.body["BankAccounts"].as_array().unwrap().len(), 2);
            let customers = get(&mock, "api/biz/customers?expand=Info", token.secret(), Some(key)).await;
            assert!(customers.body.as_array().unwrap().len() >= 2);
        }
        let obrien = get(
            &mock,
            &format!("api/biz/customers?filter={}", q("Info.Name eq 'O''Brien Fisk AS'")),
            token.secret(),
            Some(DemoData::COMPANY_KEY),
        )
        .await;
        assert_eq!(obrien.body.as_array().unwrap().len(), 1);
    }
    let invalid = api(
        &mock,
        reqwest::Method::POST,
        "api/biz/customers",
        Some(&secret_token_demo(&mock).await),
        Some(DemoData::COMPANY_KEY),
        Some(json!({"Info": {}})),
    )
    .await;
    assert_eq!(invalid.status, 400, "demo customers require Info.Name");
}

async fn secret_token_demo(mock: &MockUnimicro) -> String {
    let a = token_request(
        mock,
        &[("grant_type", "client_credentials")],
        Some(&basic(DemoData::SECRET_CLIENT_ID, DemoData::CLIENT_SECRET)),
    )
    .await;
    a.body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn debug_output_holds_no_secret_or_key() {
    let cert = TestCertificate::generate("debug-check").unwrap();
    let key_line = cert.key_pem().lines().nth(1).unwrap().to_owned();
    let client = MockClient::new("c").secret("hunter2-secret").certificate_pem(cert.cert_pem());
    let builder = MockUnimicro::builder().client(client.clone());
    let mock = builder.start().await.unwrap();
    let with_test_cert =
        MockUnimicro::builder().client(MockClient::new("t").test_certificate()).start().await.unwrap();
    for debug in [
        format!("{client:?}"),
        format!("{:?}", MockUnimicro::builder().client(client.clone())),
        format!("{mock:?}"),
        format!("{cert:?}"),
        format!("{:?}", with_test_cert.test_certificate("t").unwrap()),
        format!("{with_test_cert:?}"),
    ] {
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains(&key_line[..20]), "{debug}");
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    }
    assert!(format!("{mock:?}").contains(mock.authority()));
}
