//! The API's gatekeeping: tokens, companies, CompanyKey; and CompanySettings with select/expand.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use unimicro_auth::ManualClock;
use unimicro_mock::MockCompany;

use crate::support::*;

#[tokio::test]
async fn without_a_valid_token_every_api_call_is_401() {
    let mock = mock().await;
    let paths = [
        "api/init/companies",
        "api/biz/companysettings/1",
        "api/statistics?model=Customer&select=ID",
        "api/nowhere",
    ];
    for path in paths {
        let a = api(&mock, Method::GET, path, None, Some(COMPANY_A), None).await;
        assert_eq!((a.status, &a.body), (401, &denied()), "{path}");
        assert_eq!(a.headers.get("www-authenticate").unwrap(), "Bearer");
    }
    // Garbage, a token of another mock (other key, other issuer), and an altered token.
    let other = crate::support::mock().await;
    let foreign = secret_token(&other).await;
    let token = secret_token(&mock).await;
    let (head, rest) = token.split_at(token.len() - 4);
    let altered = format!("{head}{}", if rest == "AAAA" { "BBBB" } else { "AAAA" });
    for bad in ["garbage", "a.b.c", &foreign, &altered] {
        let a = get(&mock, "api/init/companies", bad, None).await;
        assert_eq!((a.status, &a.body), (401, &denied()));
    }
    // A Basic header is no bearer token.
    let a = answer(
        http()
            .get(format!("{}api/init/companies", mock.api_base()))
            .header("Authorization", basic(SECRET_CLIENT, SECRET))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 401);
    assert_eq!(get(&mock, "api/init/companies", &token, None).await.status, 200);
    assert_eq!(mock.api_requests_with_status("/api/init/companies", 401), 6);
}

#[tokio::test]
async fn an_expired_token_gets_401_by_the_mock_clock() {
    let clock = ManualClock::starting_now();
    let mock = builder().clock(clock.clone()).token_ttl(Duration::from_secs(600)).start().await.unwrap();
    let token = secret_token(&mock).await;
    assert_eq!(get(&mock, "api/init/companies", &token, None).await.status, 200);
    clock.advance(Duration::from_secs(599));
    assert_eq!(get(&mock, "api/init/companies", &token, None).await.status, 200, "one second left");
    clock.advance(Duration::from_secs(1));
    let a = get(&mock, "api/init/companies", &token, None).await;
    assert_eq!((a.status, a.body), (401, denied()), "expired at exactly exp");
    // A new token is valid again.
    let fresh = secret_token(&mock).await;
    assert_eq!(get(&mock, "api/init/companies", &fresh, None).await.status, 200);
}

#[tokio::test]
async fn revoked_tokens_get_401_and_new_ones_work() {
    let mock = mock().await;
    let secret_tok = secret_token(&mock).await;
    let cert_tok = cert_token(&mock).await;
    assert_eq!(mock.revoke_tokens_of(SECRET_CLIENT), 1);
    assert_eq!(get(&mock, "api/init/companies", &secret_tok, None).await.status, 401);
    assert_eq!(get(&mock, "api/init/companies", &cert_tok, None).await.status, 200);
    assert_eq!(mock.revoke_tokens(), 1, "the secret client's token was revoked already");
    assert_eq!(get(&mock, "api/init/companies", &cert_tok, None).await.status, 401);
    let fresh = secret_token(&mock).await;
    assert_eq!(get(&mock, "api/init/companies", &fresh, None).await.status, 200);
}

#[tokio::test]
async fn companies_are_those_granted_to_the_client_in_pascal_case() {
    let mock = mock().await;
    let cert = get(&mock, "api/init/companies", &cert_token(&mock).await, None).await;
    let secret = get(&mock, "api/init/companies", &secret_token(&mock).await, None).await;
    let keys = |a: &Answer| {
        a.body.as_array().unwrap().iter().map(|c| c["Key"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(keys(&cert), [COMPANY_A, COMPANY_B]);
    assert_eq!(keys(&secret), [COMPANY_A]);
    let alfa = &secret.body[0];
    assert_eq!(alfa["ID"], 1);
    assert_eq!(alfa["Name"], "Alfa AS");
    assert_eq!(alfa["OrganizationNumber"], "911111111");
    assert_eq!(alfa["IsTest"], false);
    assert_eq!(cert.body[1]["IsTest"], true);
    for field in ["SchemaName", "ClientNumber", "CustomValues", "IsTemplate", "CreatedAt", "_createguid"] {
        assert!(alfa.get(field).is_some(), "{field} missing from {alfa}");
    }
    assert!(cert.headers.get("content-type").unwrap().to_str().unwrap().starts_with("application/json"));
    let posted = api(
        &mock,
        Method::POST,
        "api/init/companies",
        Some(&secret_token(&mock).await),
        None,
        Some(json!({})),
    )
    .await;
    assert_eq!(posted.status, 405);
}

#[tokio::test]
async fn company_key_is_required_valid_and_granted() {
    let mock = builder()
        .company(MockCompany::new("33333333-3333-4333-8333-333333333333", "Nobody's AS"))
        .start()
        .await
        .unwrap();
    let token = secret_token(&mock).await;
    let path = "api/biz/companysettings/1";
    let missing = get(&mock, path, &token, None).await;
    assert_eq!(missing.status, 400);
    assert!(missing.body["Message"].as_str().unwrap().contains("CompanyKey"), "{}", missing.body);
    let blank = get(&mock, path, &token, Some(" ")).await;
    assert_eq!(blank.status, 400);
    let malformed = get(&mock, path, &token, Some("Alfa AS")).await;
    assert_eq!(malformed.status, 400);
    assert!(malformed.body["Message"].as_str().unwrap().contains("'Alfa AS'"), "{}", malformed.body);
    // Granted to the certificate client only; a company granted to nobody; one that doesn't exist.
    for company in [COMPANY_B, "33333333-3333-4333-8333-333333333333", "99999999-9999-4999-8999-999999999999"]
    {
        let a = get(&mock, path, &token, Some(company)).await;
        assert_eq!(a.status, 403, "{company}");
        assert!(a.body["Message"].is_string());
    }
    assert_eq!(get(&mock, path, &cert_token(&mock).await, Some(COMPANY_B)).await.status, 200);
    // Keys are GUIDs: upper case is the same company.
    assert_eq!(get(&mock, path, &token, Some(&COMPANY_A.to_uppercase())).await.status, 200);
    let stats = get(&mock, "api/statistics?model=Customer&select=count(ID) as N", &token, None).await;
    assert_eq!(stats.status, 400, "statistics is company-scoped");
    assert_eq!(mock.api_requests_with_status("/api/biz/companysettings/1", 403), 3);
}

#[tokio::test]
async fn company_settings_list_and_item_with_select_and_expand() {
    let mock = builder()
        .company(
            MockCompany::new("55555555-5555-4555-8555-555555555555", "Gamma AS")
                .organization_number("955555555")
                .grant(SECRET_CLIENT)
                .settings(json!({
                    "WebAddress": "https://gamma.no",
                    "DefaultAddress": {"AddressLine1": "Gata 1", "PostalCode": "0150", "City": "Oslo"},
                    "DefaultEmail": {"EmailAddress": "post@gamma.no"},
                    "DefaultPhone": {"Number": "+47 22 22 22 22"},
                    "BankAccounts": [{"AccountNumber": "15031234567"}],
                    "UnmodelledSetting": "kept",
                })),
        )
        .start()
        .await
        .unwrap();
    let co = Some("55555555-5555-4555-8555-555555555555");
    let token = secret_token(&mock).await;
    let list = get(&mock, "api/biz/companysettings", &token, co).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    let item = get(&mock, "api/biz/companysettings/1", &token, co).await;
    assert_eq!(item.body, list.body[0]);
    let s = &item.body;
    assert_eq!((s["ID"].as_i64(), s["CompanyName"].as_str()), (Some(1), Some("Gamma AS")));
    assert_eq!(s["OrganizationNumber"], "955555555");
    assert_eq!(s["UnmodelledSetting"], "kept");
    for nav in ["DefaultAddress", "DefaultEmail", "DefaultPhone", "BankAccounts"] {
        assert_eq!(s[nav], Value::Null, "{nav} only when expanded");
    }
    assert!(s["DefaultAddressID"].as_i64().is_some(), "the foreign key is there: {s}");
    let expanded = get(
        &mock,
        "api/biz/companysettings/1?expand=DefaultAddress,DefaultEmail,DefaultPhone,BankAccounts",
        &token,
        co,
    )
    .await;
    let e = &expanded.body;
    assert_eq!(e["DefaultAddress"]["City"], "Oslo");
    assert_eq!(e["DefaultAddress"]["ID"], s["DefaultAddressID"]);
    assert_eq!(e["DefaultEmail"]["EmailAddress"], "post@gamma.no");
    assert_eq!(e["DefaultPhone"]["Number"], "+47 22 22 22 22");
    assert_eq!(e["BankAccounts"][0]["AccountNumber"], "15031234567");
    let only_email = get(&mock, "api/biz/companysettings?Expand=defaultemail", &token, co).await;
    assert_eq!(only_email.body[0]["DefaultEmail"]["EmailAddress"], "post@gamma.no");
    assert_eq!(only_email.body[0]["DefaultAddress"], Value::Null);
    let selected =
        get(&mock, "api/biz/companysettings/1?select=CompanyName,OrganizationNumber", &token, co).await;
    assert_eq!(selected.body, json!({"CompanyName": "Gamma AS", "OrganizationNumber": "955555555"}));
    let both = get(
        &mock,
        "api/biz/companysettings?select=ID,DefaultEmail.EmailAddress&expand=DefaultEmail",
        &token,
        co,
    )
    .await;
    assert_eq!(both.body, json!([{"ID": 1, "DefaultEmail": {"EmailAddress": "post@gamma.no"}}]));
    // Defaults exist for a company without settings of its own.
    let alfa = get(&mock, "api/biz/companysettings/1", &token, Some(COMPANY_A)).await;
    assert_eq!(
        (alfa.body["CompanyName"].as_str(), alfa.body["OrganizationNumber"].as_str()),
        (Some("Alfa AS"), Some("911111111"))
    );
    assert_eq!(get(&mock, "api/biz/companysettings/2", &token, co).await.status, 404);
}
