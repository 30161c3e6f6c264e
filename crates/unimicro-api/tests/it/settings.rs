//! `client.company(key).settings()`: `GET /api/biz/companysettings` with `CompanyKey`.

use unimicro_api::Error;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{KEY, fixture, mount_catch_all, plain_client};

fn settings_json() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture("company_settings.json"), "application/json")
}

#[tokio::test]
async fn settings_are_the_first_element_and_carry_the_company_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/biz/companysettings"))
        .and(header("CompanyKey", KEY))
        .and(query_param_is_missing("select"))
        .and(query_param_is_missing("expand"))
        .respond_with(settings_json())
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = plain_client(&server);

    let settings = client.company(KEY).settings().await.unwrap();

    assert_eq!(settings.id, 1);
    assert_eq!(settings.company_name.as_deref(), Some("Demo Regnskap AS"));
    assert_eq!(settings.gln.as_deref(), Some("7080003456789"));
    assert_eq!(settings.default_address.as_ref().and_then(|a| a.city.as_deref()), Some("Oslo"));
    assert_eq!(settings.bank_accounts.as_ref().map(Vec::len), Some(1));
    assert_eq!(settings.taxable_from_limit, Some(50000.0));
}

#[tokio::test]
async fn select_and_expand_are_sent_as_query_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/biz/companysettings"))
        .and(header("CompanyKey", KEY))
        .and(query_param("select", "ID,CompanyName,OrganizationNumber"))
        .and(query_param("expand", "DefaultAddress,BankAccounts"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"[{"ID":1,"CompanyName":"Demo Regnskap AS","OrganizationNumber":"999888777","DefaultAddress":{"ID":11,"City":"Oslo"},"BankAccounts":[]}]"#, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = plain_client(&server);

    let settings = client
        .company(KEY)
        .settings()
        .select(["ID", "CompanyName"])
        .select(["OrganizationNumber", " "])
        .expand(vec!["DefaultAddress".to_string(), "BankAccounts".to_string()])
        .send()
        .await
        .unwrap();

    assert_eq!(settings.organization_number.as_deref(), Some("999888777"));
    assert_eq!(settings.default_address.unwrap().city.as_deref(), Some("Oslo"));
    assert_eq!(settings.bank_accounts, Some(vec![]));
    assert_eq!(settings.gln, None);
}

#[tokio::test]
async fn every_company_call_sends_the_company_key_and_only_company_calls_do() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/biz/companysettings"))
        .respond_with(settings_json())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/init/companies"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(fixture("companies.json"), "application/json"))
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let client = plain_client(&server);

    let other = "0b9f8e7d-6c5b-4a39-8281-706f5e4d3c2b";
    let company = client.company(KEY);
    company.settings().await.unwrap();
    company.settings().select(["ID"]).await.unwrap();
    company.clone().settings().expand(["DefaultAddress"]).send().await.unwrap();
    client.companies().await.unwrap();
    client.company(other.to_string()).settings().await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 5);
    let keys: Vec<Option<&str>> =
        requests.iter().map(|r| r.headers.get("companykey").map(|v| v.to_str().unwrap())).collect();
    assert_eq!(keys, vec![Some(KEY), Some(KEY), Some(KEY), None, Some(other)]);
    assert_eq!(requests.iter().filter(|r| r.url.path() == "/api/init/companies").count(), 1);
}

#[tokio::test]
async fn a_key_that_cannot_be_a_header_is_refused_before_sending() {
    let server = MockServer::start().await;
    mount_catch_all(&server).await;
    let client = plain_client(&server);
    for bad in ["", "key\r\nX-Injected: 1", "nøkkel", " padded "] {
        let e = client.company(bad).settings().await.unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)), "{bad:?}: {e:?}");
        assert!(e.to_string().contains("CompanyKey header"), "{e}");
    }
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn an_empty_array_is_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/biz/companysettings"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("[ ]", "application/json"))
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let e = plain_client(&server).company(KEY).settings().await.unwrap_err();
    let Error::Decode(d) = &e else { panic!("{e:?}") };
    assert_eq!(d.status(), 200);
    assert!(e.to_string().contains("empty array") && e.to_string().contains(KEY), "{e}");
}

#[tokio::test]
async fn a_single_object_is_accepted_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/biz/companysettings"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#" {"ID":1,"CompanyName":"Solo AS"}"#, "application/json"),
        )
        .mount(&server)
        .await;
    mount_catch_all(&server).await;
    let settings = plain_client(&server).company(KEY).settings().await.unwrap();
    assert_eq!(settings.company_name.as_deref(), Some("Solo AS"));
}
