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

/// The secret client calling company A of [`customers_mock`], with a token.
struct CompanyA {
    mock: MockUnimicro,
    token: String,
}

impl CompanyA {
    async fn start() -> Self {
        let mock = customers_mock().await;
        let token = secret_token(&mock).await;
        Self { mock, token }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        api(&self.mock, method, path, Some(&self.token), Some(COMPANY_A), body).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }

    /// A POST to `path` with the token and CompanyKey, for bodies `post` would not send.
    fn raw_post(&self, path: &str) -> reqwest::RequestBuilder {
        http()
            .post(format!("{}{path}", self.mock.api_base()))
            .bearer_auth(&self.token)
            .header("CompanyKey", COMPANY_A)
    }

    /// The customers list with `query`.
    async fn customers(&self, query: &str) -> Answer {
        self.get(&format!("api/biz/customers?{query}")).await
    }

    /// The IDs of the customers `filter` selects.
    async fn filter_ids(&self, filter: &str) -> Vec<i64> {
        let a = self.customers(&format!("filter={}", q(filter))).await;
        assert_eq!(a.status, 200, "{filter}: {}", a.body);
        ids(&a)
    }
}

fn ids(a: &Answer) -> Vec<i64> {
    a.body
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {}", a.body))
        .iter()
        .map(|v| v["ID"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn filters_over_http() {
    let a = CompanyA::start().await;
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
        assert_eq!(a.filter_ids(filter).await, *want, "{filter}");
    }
    let bad = a.customers(&format!("filter={}", q("Info.Name eq 'O'Brien'"))).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["Message"].as_str().unwrap().contains("filter"), "{}", bad.body);
}

#[tokio::test]
async fn paging_ordering_and_select() {
    let a = CompanyA::start().await;
    assert_eq!(ids(&a.customers("").await), [1, 2, 3, 4, 5]);
    assert_eq!(ids(&a.customers("top=2").await), [1, 2]);
    assert_eq!(ids(&a.customers("top=2&skip=2").await), [3, 4]);
    assert_eq!(ids(&a.customers("skip=4&top=2").await), [5]);
    assert_eq!(ids(&a.customers("orderby=CreditDays desc,ID desc").await), [5, 2, 3, 1, 4]);
    assert_eq!(
        ids(&a.customers("orderBy=Info.Name&TOP=3").await),
        [2, 4, 3],
        "names case-insensitive, text too"
    );
    assert_eq!(ids(&a.customers("filter=CreditDays%20eq%2014&orderby=ID%20desc").await), [3, 1]);
    let selected = a.customers("select=ID,Info.Name&expand=Info&top=1").await;
    assert_eq!(selected.body, json!([{"ID": 1, "Info": {"Name": "O'Brien & Sønner AS"}}]));
    let plain = a.customers("top=1").await;
    assert_eq!(plain.body[0]["Info"], Value::Null, "navigations only when expanded");
    assert_eq!(plain.body[0]["UnknownToTheSdk"], Value::Null);
    let deep = a.customers("top=1&expand=Info.DefaultEmail").await;
    assert_eq!(deep.body[0]["Info"]["DefaultEmail"]["EmailAddress"], "c0@example.no");
    assert_eq!(a.customers("top=x").await.status, 400);
    assert_eq!(a.customers("orderby=ID%20upwards").await.status, 400);

    // 250 products in pages of 100: every one exactly once, in order.
    let mut seen = Vec::new();
    let mut skip = 0;
    loop {
        let page = a.get(&format!("api/biz/products?top=100&skip={skip}&orderby=ID")).await;
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
    let a = CompanyA::start().await;
    let created = a
        .post(
            "api/biz/customers",
            json!({"Info": {"Name": "Ny Kunde AS", "Emails": [{"EmailAddress": "a@ny.no"}]}, "CreditDays": 10, "Custom": 1}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["ID"].as_i64().unwrap();
    assert_eq!(id, 6);
    assert_eq!(
        created.headers.get("location").unwrap().to_str().unwrap(),
        format!("{}api/biz/customers/6", a.mock.api_base())
    );
    assert_eq!(created.body["CreatedBy"], SECRET_CLIENT);
    assert!(created.body["CreatedAt"].as_str().unwrap().ends_with('Z'));
    assert!(created.body["Info"]["ID"].as_i64().is_some());

    let fetched = a.get("api/biz/customers/6?expand=Info").await;
    assert_eq!(fetched.body["Info"]["Name"], "Ny Kunde AS");
    assert_eq!(fetched.body["Custom"], 1);

    // Fetch-modify-update: unknown fields and navigations not sent survive.
    let mut entity = a.get("api/biz/customers/6").await.body;
    entity["CreditDays"] = json!(20);
    let updated = a.put("api/biz/customers/6", entity).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["CreditDays"], 20);
    assert_eq!(updated.body["Custom"], 1);
    assert_eq!(
        updated.body["Info"]["Name"], "Ny Kunde AS",
        "a null navigation is 'not loaded', not 'delete'"
    );
    assert_eq!(updated.body["UpdatedBy"], SECRET_CLIENT);
    let stored = a.mock.entities(COMPANY_A, "customers");
    assert_eq!(stored.last().unwrap()["CreditDays"], 20);

    let wrong_id = a.put("api/biz/customers/6", json!({"ID": 5})).await;
    assert_eq!(wrong_id.status, 400);
    let missing = a.put("api/biz/customers/99", json!({"CreditDays": 1})).await;
    assert_eq!(missing.status, 404);
    assert!(missing.body["Message"].as_str().unwrap().contains("99"), "{}", missing.body);

    let deleted = a.delete("api/biz/customers/6").await;
    assert_eq!(deleted.status, 204);
    assert_eq!(a.get("api/biz/customers/6").await.status, 404);
    assert_eq!(a.delete("api/biz/customers/6").await.status, 404);
    assert_eq!(a.mock.entities(COMPANY_A, "customers").len(), 5);
    // Another company's data is separate.
    let cert = cert_token(&a.mock).await;
    assert_eq!(get(&a.mock, "api/biz/customers", &cert, Some(COMPANY_B)).await.body, json!([]));
    assert_eq!(get(&a.mock, "api/biz/customers/1", &cert, Some(COMPANY_B)).await.status, 404);
}

#[tokio::test]
async fn validation_failures_answer_400_with_validation_results() {
    let a = CompanyA::start().await;
    let post = a.post("api/biz/customers", json!({"OrgNumber": "1234567890", "Info": {}})).await;
    assert_eq!(post.status, 400);
    let org = &post.body["_validationResults"]["OrgNumber"][0];
    assert_eq!(org["Message"], "OrgNumber can be at most 9 characters");
    assert_eq!(org["EntityType"], "Customer");
    assert_eq!(org["PropertyName"], "OrgNumber");
    assert_eq!(post.body["Info"]["_validationResults"]["Name"][0]["Message"], "Name is required");
    assert_eq!(a.mock.entities(COMPANY_A, "customers").len(), 5, "nothing created");
    let put = a.put("api/biz/customers/1", json!({"Info": {"Name": ""}})).await;
    assert_eq!(put.status, 400);
    assert!(put.body["Info"]["_validationResults"]["Name"].is_array(), "{}", put.body);
    assert_eq!(a.get("api/biz/customers/1?expand=Info").await.body["Info"]["Name"], "O'Brien & Sønner AS");
}

#[tokio::test]
async fn request_shape_errors() {
    let a = CompanyA::start().await;
    let text = answer(a.raw_post("api/biz/customers").body("{}").send().await.unwrap()).await;
    assert_eq!(text.status, 415, "no JSON content type");
    let broken = a.raw_post("api/biz/customers").header("Content-Type", "application/json").body("{nope");
    let broken = answer(broken.send().await.unwrap()).await;
    assert_eq!(broken.status, 400);
    assert!(broken.body["Message"].as_str().unwrap().contains("JSON"));
    let array = a.post("api/biz/customers", json!([1])).await;
    assert_eq!(array.status, 400);
    let dup = json!({"_createguid": "7d1c", "Info": {"Name": "Once"}});
    assert_eq!(a.post("api/biz/customers", dup.clone()).await.status, 201);
    assert_eq!(a.post("api/biz/customers", dup).await.status, 400, "_createguid is idempotent");
    assert_eq!(a.get("api/biz/nosuchroute").await.status, 404, "unknown routes are 404");
    assert_eq!(a.get("api/biz/customers/abc").await.status, 404);
    assert_eq!(a.get("api/biz/customers/1/more").await.status, 404);
    assert_eq!(a.get("api/biz/Customers/1").await.status, 200, "routes are case-insensitive");
    assert_eq!(a.get("api/biz/invoices").await.body, json!([]), "a known route with no data is empty");
    assert_eq!(a.put("api/biz/customers", json!({})).await.status, 405);
    assert_eq!(a.post("api/biz/customers/1", json!({})).await.status, 405);
}

#[tokio::test]
async fn statistics_counts_match_the_list() {
    let a = CompanyA::start().await;
    let filter = "StatusCode eq 30001 and contains(Info.Name,'AS')";
    let listed = a.filter_ids(filter).await.len();
    let path =
        format!("api/statistics?model=Customer&select={}&filter={}", q("count(ID) as Count"), q(filter));
    let wrapped = a.get(&path).await;
    assert_eq!(wrapped.status, 200);
    assert_eq!(wrapped.body["Success"], true);
    assert_eq!(wrapped.body["Data"], json!([{"Count": listed}]));
    let bare = a.get(&format!("{path}&wrap=false")).await;
    assert_eq!(bare.body, json!([{"Count": listed}]));
    let grouped = a
        .get(&format!(
            "api/statistics?model=Customer&select={}&orderby=StatusCode",
            q("StatusCode as Status,count(ID) as N,sum(CreditDays) as Days")
        ))
        .await;
    assert_eq!(
        grouped.body["Data"],
        json!([{"Status": 30001, "N": 4, "Days": 89}, {"Status": 50001, "N": 1, "Days": 14}])
    );
    let unknown = a.get("api/statistics?model=Nope&select=ID").await;
    assert_eq!((unknown.status, &unknown.body["Success"]), (200, &json!(false)));
}

#[tokio::test]
async fn actions_reach_their_handler_and_unknown_ones_are_400() {
    let a = CompanyA::start().await;
    let activated = a.send(Method::PUT, "api/biz/customers/3?action=activate", None).await;
    assert_eq!(activated.status, 200);
    assert_eq!(activated.body, json!({"Activated": 3, "Method": "PUT", "Company": COMPANY_A}));
    let unknown = a.send(Method::POST, "api/biz/customers?action=explode", None).await;
    assert_eq!(unknown.status, 400);
}
