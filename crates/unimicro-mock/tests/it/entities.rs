//! Generic `/api/biz/{route}` collections: queries, CRUD, validation, statistics, actions.

use reqwest::Method;
use serde_json::{Value, json};
use unimicro_mock::{MockUnimicro, StatusCode, ValidationRule};

use crate::support::*;

async fn customers_mock() -> MockUnimicro {
    let names = ["O'Brien & Sønner AS", "Acme AS", "Brødrene Berg", "acme consulting", "Zeta 100% AS"];
    let customers = names.iter().enumerate().map(|(i, name)| {
        let credit_days = [14, 30, 14, 0, 45][i];
        let balance = [1250.5, 0.0, -10.0, 99.99, 5000.0][i];
        json!({
            "CustomerNumber": 10_001 + i as i64,
            "CreditDays": credit_days,
            "StatusCode": if i == 2 { 50001 } else { 30001 },
            "Balance": balance,
            "Info": {"Name": name, "DefaultEmail": {"EmailAddress": format!("c{i}@example.no")}},
            "UnknownToTheSdk": {"Nested": i},
        })
    });
    builder()
        .entities(COMPANY_A, "customers", customers)
        .entities(
            COMPANY_A,
            "products",
            (1..=250).map(|i| json!({"PartName": format!("P{i:03}"), "PriceExVat": i})),
        )
        .validation("customers", ValidationRule::required("Info.Name"))
        .validation("customers", ValidationRule::max_length("OrgNumber", 9))
        .action("customers", "activate", |call| {
            (
                StatusCode::OK,
                json!({"Activated": call.id, "Method": call.method, "Company": call.company_key}),
            )
        })
        .start()
        .await
        .unwrap()
}

fn ids(a: &Answer) -> Vec<i64> {
    a.body
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {}", a.body))
        .iter()
        .map(|v| v["ID"].as_i64().unwrap())
        .collect()
}

async fn filter_ids(mock: &MockUnimicro, token: &str, filter: &str) -> Vec<i64> {
    let a = get(mock, &format!("api/biz/customers?filter={}", q(filter)), token, Some(COMPANY_A)).await;
    assert_eq!(a.status, 200, "{filter}: {}", a.body);
    ids(&a)
}

#[tokio::test]
async fn filters_over_http() {
    let mock = customers_mock().await;
    let t = secret_token(&mock).await;
    let cases: &[(&str, &[i64])] = &[
        ("Info.Name eq 'O''Brien & Sønner AS'", &[1]),
        ("contains(Info.Name,'''Brien')", &[1]),
        ("Info.Name eq 'O''Brien'", &[]),
        ("startswith(Info.Name,'acme')", &[2, 4]),
        ("endswith(Info.Name, ' AS')", &[1, 2, 5]),
        ("contains(Info.Name,'100%')", &[5]),
        ("CreditDays eq 14", &[1, 3]),
        ("CreditDays ne 14 and CreditDays gt 0", &[2, 5]),
        ("CreditDays ge 30 or CreditDays lt 1", &[2, 4, 5]),
        ("CreditDays le 14 and not (StatusCode eq 50001)", &[1, 4]),
        ("Balance gt 99.98 and Balance lt 1250.51", &[1, 4]),
        ("Balance lt 0", &[3]),
        ("StatusCode eq 30001 and (contains(Info.Name,'AS') or CustomerNumber eq 10004)", &[1, 2, 4, 5]),
        ("info.defaultemail.emailaddress eq 'C2@EXAMPLE.NO'", &[3]),
        ("OrgNumber eq null", &[1, 2, 3, 4, 5]),
        ("Info.Name eq 'Brødrene Berg'", &[3]),
    ];
    for (filter, want) in cases {
        assert_eq!(filter_ids(&mock, &t, filter).await, *want, "{filter}");
    }
    let bad =
        get(&mock, &format!("api/biz/customers?filter={}", q("Info.Name eq 'O'Brien'")), &t, Some(COMPANY_A))
            .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["Message"].as_str().unwrap().contains("filter"), "{}", bad.body);
}

#[tokio::test]
async fn paging_ordering_and_select() {
    let mock = customers_mock().await;
    let t = secret_token(&mock).await;
    let list = |query: &str| {
        let (mock, t) = (&mock, &t);
        let query = query.to_owned();
        async move { get(mock, &format!("api/biz/customers?{query}"), t, Some(COMPANY_A)).await }
    };
    assert_eq!(ids(&list("").await), [1, 2, 3, 4, 5]);
    assert_eq!(ids(&list("top=2").await), [1, 2]);
    assert_eq!(ids(&list("top=2&skip=2").await), [3, 4]);
    assert_eq!(ids(&list("skip=4&top=2").await), [5]);
    assert_eq!(ids(&list("orderby=CreditDays desc,ID desc").await), [5, 2, 3, 1, 4]);
    assert_eq!(ids(&list("orderBy=Info.Name&TOP=3").await), [2, 4, 3], "names case-insensitive, text too");
    assert_eq!(ids(&list("filter=CreditDays%20eq%2014&orderby=ID%20desc").await), [3, 1]);
    let selected = list("select=ID,Info.Name&expand=Info&top=1").await;
    assert_eq!(selected.body, json!([{"ID": 1, "Info": {"Name": "O'Brien & Sønner AS"}}]));
    let plain = list("top=1").await;
    assert_eq!(plain.body[0]["Info"], Value::Null, "navigations only when expanded");
    assert_eq!(plain.body[0]["UnknownToTheSdk"], Value::Null);
    let deep = list("top=1&expand=Info.DefaultEmail").await;
    assert_eq!(deep.body[0]["Info"]["DefaultEmail"]["EmailAddress"], "c0@example.no");
    assert_eq!(list("top=x").await.status, 400);
    assert_eq!(list("orderby=ID%20upwards").await.status, 400);

    // 250 products in pages of 100: every one exactly once, in order.
    let mut seen = Vec::new();
    let mut skip = 0;
    loop {
        let page =
            get(&mock, &format!("api/biz/products?top=100&skip={skip}&orderby=ID"), &t, Some(COMPANY_A))
                .await;
        let n = ids(&page);
        seen.extend(n.iter().copied());
        if n.len() < 100 {
            break;
        }
        skip += 100;
    }
    assert_eq!(seen, (1..=250).collect::<Vec<_>>());
}

#[tokio::test]
async fn create_get_update_delete() {
    let mock = customers_mock().await;
    let t = secret_token(&mock).await;
    let co = Some(COMPANY_A);
    let created = api(
        &mock,
        Method::POST,
        "api/biz/customers",
        Some(&t),
        co,
        Some(json!({"Info": {"Name": "Ny Kunde AS", "Emails": [{"EmailAddress": "a@ny.no"}]}, "CreditDays": 10, "Custom": 1})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["ID"].as_i64().unwrap();
    assert_eq!(id, 6);
    assert_eq!(
        created.headers.get("location").unwrap().to_str().unwrap(),
        format!("{}api/biz/customers/6", mock.api_base())
    );
    assert_eq!(created.body["CreatedBy"], SECRET_CLIENT);
    assert!(created.body["CreatedAt"].as_str().unwrap().ends_with('Z'));
    assert!(created.body["Info"]["ID"].as_i64().is_some());

    let fetched = get(&mock, "api/biz/customers/6?expand=Info", &t, co).await;
    assert_eq!(fetched.body["Info"]["Name"], "Ny Kunde AS");
    assert_eq!(fetched.body["Custom"], 1);

    // Fetch-modify-update: unknown fields and navigations not sent survive.
    let mut entity = get(&mock, "api/biz/customers/6", &t, co).await.body;
    entity["CreditDays"] = json!(20);
    let updated = api(&mock, Method::PUT, "api/biz/customers/6", Some(&t), co, Some(entity)).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["CreditDays"], 20);
    assert_eq!(updated.body["Custom"], 1);
    assert_eq!(
        updated.body["Info"]["Name"], "Ny Kunde AS",
        "a null navigation is 'not loaded', not 'delete'"
    );
    assert_eq!(updated.body["UpdatedBy"], SECRET_CLIENT);
    let stored = mock.entities(COMPANY_A, "customers");
    assert_eq!(stored.last().unwrap()["CreditDays"], 20);

    let wrong_id = api(&mock, Method::PUT, "api/biz/customers/6", Some(&t), co, Some(json!({"ID": 5}))).await;
    assert_eq!(wrong_id.status, 400);
    let missing =
        api(&mock, Method::PUT, "api/biz/customers/99", Some(&t), co, Some(json!({"CreditDays": 1}))).await;
    assert_eq!(missing.status, 404);
    assert!(missing.body["Message"].as_str().unwrap().contains("99"), "{}", missing.body);

    let deleted = api(&mock, Method::DELETE, "api/biz/customers/6", Some(&t), co, None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(get(&mock, "api/biz/customers/6", &t, co).await.status, 404);
    assert_eq!(api(&mock, Method::DELETE, "api/biz/customers/6", Some(&t), co, None).await.status, 404);
    assert_eq!(mock.entities(COMPANY_A, "customers").len(), 5);
    // Another company's data is separate.
    let cert = cert_token(&mock).await;
    assert_eq!(get(&mock, "api/biz/customers", &cert, Some(COMPANY_B)).await.body, json!([]));
    assert_eq!(get(&mock, "api/biz/customers/1", &cert, Some(COMPANY_B)).await.status, 404);
}

#[tokio::test]
async fn validation_failures_answer_400_with_validation_results() {
    let mock = customers_mock().await;
    let t = secret_token(&mock).await;
    let co = Some(COMPANY_A);
    let a = api(
        &mock,
        Method::POST,
        "api/biz/customers",
        Some(&t),
        co,
        Some(json!({"OrgNumber": "1234567890", "Info": {}})),
    )
    .await;
    assert_eq!(a.status, 400);
    let org = &a.body["_validationResults"]["OrgNumber"][0];
    assert_eq!(org["Message"], "OrgNumber can be at most 9 characters");
    assert_eq!(org["EntityType"], "Customer");
    assert_eq!(org["PropertyName"], "OrgNumber");
    assert_eq!(a.body["Info"]["_validationResults"]["Name"][0]["Message"], "Name is required");
    assert_eq!(mock.entities(COMPANY_A, "customers").len(), 5, "nothing created");
    let put =
        api(&mock, Method::PUT, "api/biz/customers/1", Some(&t), co, Some(json!({"Info": {"Name": ""}})))
            .await;
    assert_eq!(put.status, 400);
    assert!(put.body["Info"]["_validationResults"]["Name"].is_array(), "{}", put.body);
    assert_eq!(
        get(&mock, "api/biz/customers/1?expand=Info", &t, co).await.body["Info"]["Name"],
        "O'Brien & Sønner AS"
    );
}

#[tokio::test]
async fn request_shape_errors() {
    let mock = customers_mock().await;
    let t = secret_token(&mock).await;
    let co = Some(COMPANY_A);
    let url = format!("{}api/biz/customers", mock.api_base());
    let text = answer(
        http().post(&url).bearer_auth(&t).header("CompanyKey", COMPANY_A).body("{}").send().await.unwrap(),
    )
    .await;
    assert_eq!(text.status, 415, "no JSON content type");
    let broken = answer(
        http()
            .post(&url)
            .bearer_auth(&t)
            .header("CompanyKey", COMPANY_A)
            .header("Content-Type", "application/json")
            .body("{nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(broken.status, 400);
    assert!(broken.body["Message"].as_str().unwrap().contains("JSON"));
    let array = api(&mock, Method::POST, "api/biz/customers", Some(&t), co, Some(json!([1]))).await;
    assert_eq!(array.status, 400);
    let dup = json!({"_createguid": "7d1c", "Info": {"Name": "Once"}});
    assert_eq!(
        api(&mock, Method::POST, "api/biz/customers", Some(&t), co, Some(dup.clone())).await.status,
        201
    );
    assert_eq!(
        api(&mock, Method::POST, "api/biz/customers", Some(&t), co, Some(dup)).await.status,
        400,
        "_createguid is idempotent"
    );
    assert_eq!(get(&mock, "api/biz/nosuchroute", &t, co).await.status, 404, "unknown routes are 404");
    assert_eq!(get(&mock, "api/biz/customers/abc", &t, co).await.status, 404);
    assert_eq!(get(&mock, "api/biz/customers/1/more", &t, co).await.status, 404);
    assert_eq!(get(&mock, "api/biz/Customers/1", &t, co).await.status, 200, "routes are case-insensitive");
    assert_eq!(
        get(&mock, "api/biz/invoices", &t, co).await.body,
        json!([]),
        "a known route with no data is empty"
    );
    assert_eq!(api(&mock, Method::PUT, "api/biz/customers", Some(&t), co, Some(json!({}))).await.status, 405);
    assert_eq!(
        api(&mock, Method::POST, "api/biz/customers/1", Some(&t), co, Some(json!({}))).await.status,
        405
    );
}

#[tokio::test]
async fn statistics_counts_match_the_list() {
    let mock = customers_mock().await;
    let t = secret_token(&mock).await;
    let co = Some(COMPANY_A);
    let filter = "StatusCode eq 30001 and contains(Info.Name,'AS')";
    let listed = filter_ids(&mock, &t, filter).await.len();
    let path =
        format!("api/statistics?model=Customer&select={}&filter={}", q("count(ID) as Count"), q(filter));
    let wrapped = get(&mock, &path, &t, co).await;
    assert_eq!(wrapped.status, 200);
    assert_eq!(wrapped.body["Success"], true);
    assert_eq!(wrapped.body["Data"], json!([{"Count": listed}]));
    let bare = get(&mock, &format!("{path}&wrap=false"), &t, co).await;
    assert_eq!(bare.body, json!([{"Count": listed}]));
    let grouped = get(
        &mock,
        &format!(
            "api/statistics?model=Customer&select={}&orderby=StatusCode",
            q("StatusCode as Status,count(ID) as N,sum(CreditDays) as Days")
        ),
        &t,
        co,
    )
    .await;
    assert_eq!(
        grouped.body["Data"],
        json!([{"Status": 30001, "N": 4, "Days": 89}, {"Status": 50001, "N": 1, "Days": 14}])
    );
    let unknown = get(&mock, "api/statistics?model=Nope&select=ID", &t, co).await;
    assert_eq!((unknown.status, &unknown.body["Success"]), (200, &json!(false)));
}

#[tokio::test]
async fn actions_reach_their_handler_and_unknown_ones_are_400() {
    let mock = customers_mock().await;
    let t = secret_token(&mock).await;
    let a =
        api(&mock, Method::PUT, "api/biz/customers/3?action=activate", Some(&t), Some(COMPANY_A), None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, json!({"Activated": 3, "Method": "PUT", "Company": COMPANY_A}));
    let unknown =
        api(&mock, Method::POST, "api/biz/customers?action=explode", Some(&t), Some(COMPANY_A), None).await;
    assert_eq!(unknown.status, 400);
}
