//! The generic entity layer against unimicro-mock: list options, paging, safe filters, create → get →
//! update → delete, validation errors, statistics, actions and raw JSON.

use std::collections::HashSet;

use futures::TryStreamExt;
use http::Method;
use serde_json::{Value, json};
use unimicro_api::{
    Client, Customer, CustomerInvoice, CustomerInvoiceItem, Entity, Environment, Error, Filter, FilterValue,
    JournalEntry, JournalEntryLineDraft, Product,
};
use unimicro_mock::{MockBuilder, MockClient, MockCompany, MockUnimicro, StatusCode, ValidationRule};

const KEY: &str = "5b0f3c1e-7a2d-4c8e-9f1a-3d4e5f6a7b8c";
const CLIENT_ID: &str = "entities-test";
const SECRET: &str = "entities-test-secret";

fn world() -> MockBuilder {
    MockUnimicro::builder()
        .client(MockClient::new(CLIENT_ID).secret(SECRET))
        .company(MockCompany::new(KEY, "Entiteter AS").grant(CLIENT_ID))
}

fn client(mock: &MockUnimicro) -> Client {
    Client::builder()
        .environment(Environment::custom(mock.api_base(), mock.authority()).unwrap())
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .build()
        .unwrap()
}

fn customer(number: i64, name: &str, city: &str, credit_days: i64) -> Value {
    json!({
        "CustomerNumber": number,
        "CreditDays": credit_days,
        "StatusCode": 30001,
        "Info": { "Name": name, "InvoiceAddress": { "City": city } },
    })
}

fn names(customers: &[Customer]) -> Vec<&str> {
    customers.iter().map(|c| c.name().unwrap_or("<no Info>")).collect()
}

#[tokio::test]
async fn list_with_every_query_option() {
    let mock = world()
        .entities(
            KEY,
            "customers",
            [
                customer(10001, "Acme AS", "Oslo", 14),
                customer(10002, "Bergen Bakeri", "Bergen", 30),
                customer(10003, "Oslo Olje", "Oslo", 10),
                customer(10004, "Oslo Opera", "Oslo", 20),
                customer(10005, "Drammen Dekk", "Drammen", 14),
                customer(10006, "Oslo Optikk", "Oslo", 45),
            ],
        )
        .start()
        .await
        .unwrap();
    let client = client(&mock);
    let company = client.company(KEY);

    let page = company
        .list::<Customer>()
        .filter(Filter::eq("Info.InvoiceAddress.City", "Oslo"))
        .filter(Filter::gt("CreditDays", 10))
        .select(["ID", "CustomerNumber", "CreditDays", "Info.Name"])
        .expand(["Info"])
        .orderby(["CreditDays desc"])
        .skip(1)
        .top(2)
        .await
        .unwrap();

    // Oslo with more than 10 credit days, by credit days descending: Optikk 45, Opera 20, Acme 14.
    assert_eq!(names(&page), ["Oslo Opera", "Acme AS"]);
    assert_eq!(page.iter().map(|c| c.credit_days).collect::<Vec<_>>(), [Some(20), Some(14)]);
    assert!(page.iter().all(|c| c.id > 0 && c.customer_number.is_some()));
    // Not selected: not returned.
    assert!(page.iter().all(|c| c.status_code.is_none()));

    // Without expand, the navigation is left out.
    let bare = company.list::<Customer>().orderby(["CustomerNumber"]).top(1).send().await.unwrap();
    assert_eq!(bare.len(), 1);
    assert_eq!(bare[0].customer_number, Some(10001));
    assert!(bare[0].info.is_none());

    // Get by ID with select and expand.
    let one = company.get::<Customer>(page[0].id).expand(["Info", "Info.InvoiceAddress"]).await.unwrap();
    assert_eq!(one.name(), Some("Oslo Opera"));
    let address = one.info.and_then(|i| i.invoice_address).and_then(|a| a.city);
    assert_eq!(address.as_deref(), Some("Oslo"));
    let err = company.get::<Customer>(9999).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn streaming_250_records_in_pages_of_100_yields_each_once() {
    let customers = (1..=250).map(|n| customer(20000 + n, &format!("Kunde {n:03}"), "Oslo", 14));
    let mock = world().entities(KEY, "customers", customers).start().await.unwrap();
    let client = client(&mock);

    let streamed: Vec<Customer> =
        client.company(KEY).list::<Customer>().page_size(100).stream().try_collect().await.unwrap();

    assert_eq!(streamed.len(), 250);
    let ids: HashSet<i64> = streamed.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), 250, "every record exactly once");
    let numbers: HashSet<i64> = streamed.iter().filter_map(|c| c.customer_number).collect();
    assert_eq!(numbers, (20001..=20250).collect());
    // Pages of 100, 100 and 50: the short page ends it.
    assert_eq!(mock.api_requests_with_status("/api/biz/customers", 200), 3);

    // `skip` is where it starts and `top` caps the total, across pages.
    mock.reset_counters();
    let some: Vec<Customer> = client
        .company(KEY)
        .list::<Customer>()
        .filter(Filter::ge("CustomerNumber", 20011))
        .orderby(["CustomerNumber"])
        .skip(5)
        .top(120)
        .page_size(50)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let numbers: Vec<i64> = some.iter().filter_map(|c| c.customer_number).collect();
    assert_eq!(numbers, (20016..20136).collect::<Vec<_>>());
    assert_eq!(mock.api_requests_with_status("/api/biz/customers", 200), 3);
}

#[tokio::test]
async fn a_filter_from_user_input_finds_exactly_the_right_record() {
    let tricky = [
        "O'Brien & Søn 100% #1 + co",
        "O'Brien",
        "Brien & Søn",
        "O''Brien & Søn 100% #1 + co",
        "O'Brien & Søn 100% #1   co",
        "O'Brien & Søn 100% #1 + c",
        "x' or '1' eq '1",
        "Ærlig Østby Åsen 日本",
    ];
    let seeded = tricky.iter().enumerate().map(|(i, n)| customer(30000 + i as i64, n, "Oslo", 14));
    let mock = world().entities(KEY, "customers", seeded).start().await.unwrap();
    let client = client(&mock);
    let company = client.company(KEY);

    for (i, input) in tricky.iter().enumerate() {
        let found = company
            .list::<Customer>()
            .filter(Filter::eq("Info.Name", *input))
            .expand(["Info"])
            .await
            .unwrap();
        assert_eq!(names(&found), [*input], "eq {input:?}");
        assert_eq!(found[0].customer_number, Some(30000 + i as i64));
    }
    // An injection attempt matches only itself, not every record.
    let found = company.list::<Customer>().filter(Filter::eq("Info.Name", "x' or '1' eq '1")).await.unwrap();
    assert_eq!(found.len(), 1);
    let found =
        company.list::<Customer>().filter(Filter::eq("Info.Name", "nobody' or ID gt '0")).await.unwrap();
    assert!(found.is_empty());

    let found = company
        .list::<Customer>()
        .filter(Filter::contains("Info.Name", "søn 100% #1 +"))
        .filter(Filter::startswith("Info.Name", "O'B").and(Filter::endswith("Info.Name", "co")))
        .expand(["Info"])
        .await
        .unwrap();
    assert_eq!(names(&found), ["O'Brien & Søn 100% #1 + co"]);
    let found = company
        .list::<Customer>()
        .filter(Filter::contains("Info.Name", "østby åsen 日本").or(Filter::eq("Info.Name", "O'Brien")))
        .orderby(["CustomerNumber"])
        .expand(["Info"])
        .await
        .unwrap();
    assert_eq!(names(&found), ["O'Brien", "Ærlig Østby Åsen 日本"]);
    let found = company
        .list::<Customer>()
        .filter(Filter::contains("Info.Name", "O'Brien").not())
        .orderby(["CustomerNumber"])
        .expand(["Info"])
        .await
        .unwrap();
    assert_eq!(
        names(&found),
        ["Brien & Søn", "O''Brien & Søn 100% #1 + co", "x' or '1' eq '1", "Ærlig Østby Åsen 日本"]
    );
}

#[tokio::test]
async fn invalid_query_input_is_refused_before_anything_is_sent() {
    let mock = world().start().await.unwrap();
    let client = client(&mock);
    let company = client.company(KEY);

    let cases = [
        company.list::<Customer>().filter(Filter::eq("Info.Name or 1 eq 1", "x")).send().await,
        company.list::<Customer>().filter(Filter::eq("Amount", f64::NAN)).send().await,
        company
            .list::<Customer>()
            .filter(Filter::ge("InvoiceDate", FilterValue::date(2023, 2, 29)))
            .send()
            .await,
        company.list::<Customer>().select(["ID,Info"]).send().await,
        company.list::<Customer>().orderby(["ID; drop"]).send().await,
        company.list::<Customer>().page_size(0).stream().try_collect().await,
    ];
    for result in cases {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    }
    let err = company.update(&Customer::new("Never created")).await.unwrap_err();
    assert!(err.to_string().contains("without an ID"), "{err}");
    assert_eq!(mock.api_requests_total(), 0);
}

#[tokio::test]
async fn create_get_update_keeps_unknown_fields_then_delete() {
    let seeded = json!({
        "CustomerNumber": 40001,
        "CreditDays": 14,
        "FutureField": "from a newer API",
        "FutureObjectId": 77,
        "Info": { "Name": "Eldre Kunde AS" },
    });
    let mock = world().entity(KEY, "customers", seeded).start().await.unwrap();
    let client = client(&mock);
    let company = client.company(KEY);

    // Create: a new customer with nested new records marked with _createguid.
    let new = Customer::new("Ny Kunde AS").with_email("post@nykunde.no").with_phone("+47 99 88 77 66");
    assert!(new.info.as_ref().unwrap().create_guid.is_some());
    let created = company.create(&new).await.unwrap();
    assert!(created.id > 0);
    assert_eq!(mock.api_requests_with_status("/api/biz/customers", 201), 1);
    let fetched = company
        .get::<Customer>(created.id)
        .expand(["Info", "Info.DefaultEmail", "Info.DefaultPhone"])
        .await
        .unwrap();
    assert_eq!(fetched.name(), Some("Ny Kunde AS"));
    let info = fetched.info.as_ref().unwrap();
    assert_eq!(info.default_email.as_ref().unwrap().email_address.as_deref(), Some("post@nykunde.no"));
    assert_eq!(info.default_phone.as_ref().unwrap().number.as_deref(), Some("+47 99 88 77 66"));

    // Update a record with fields the model doesn't know: they go back as they came.
    let existing = company
        .list::<Customer>()
        .filter(Filter::eq("CustomerNumber", 40001))
        .await
        .unwrap()
        .pop()
        .expect("the seeded customer");
    assert_eq!(existing.extra["FutureField"], "from a newer API");
    let mut changed = existing.clone();
    changed.credit_days = Some(30);
    changed.extra.insert("FutureField".into(), json!("changed by the SDK"));
    let body = serde_json::to_value(&changed).unwrap();
    assert_eq!(body["FutureObjectId"], 77, "unknown fields are written back");
    let updated = company.update(&changed).await.unwrap();
    assert_eq!(updated.credit_days, Some(30));
    assert_eq!(updated.extra["FutureField"], "changed by the SDK");
    assert_eq!(updated.extra["FutureObjectId"], 77);
    let stored = mock.entities(KEY, "customers").into_iter().find(|c| c["ID"] == existing.id).unwrap();
    assert_eq!(stored["CreditDays"], 30);
    assert_eq!(stored["FutureField"], "changed by the SDK");
    assert_eq!(stored["Info"]["Name"], "Eldre Kunde AS", "the navigation not sent is kept");

    // Delete (the mock answers 204), then it is gone.
    company.delete::<Customer>(created.id).await.unwrap();
    let err = company.get::<Customer>(created.id).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = company.delete::<Customer>(created.id).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn a_validation_error_on_create_is_an_api_error_with_the_messages() {
    let mock = world()
        .validation("customers", ValidationRule::required("Info.Name"))
        .validation("customers", ValidationRule::max_length("OrgNumber", 9))
        .start()
        .await
        .unwrap();
    let client = client(&mock);

    let mut nameless = Customer::new("  ");
    nameless.org_number = Some("1234567890".into());
    let err = client.company(KEY).create(&nameless).await.unwrap_err();

    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.status(), 400);
    let messages: Vec<(&str, &str)> =
        err.validation_messages().iter().map(|v| (v.property.as_str(), v.message.as_str())).collect();
    assert!(messages.contains(&("Name", "Name is required")), "{messages:?}");
    assert!(messages.contains(&("OrgNumber", "OrgNumber can be at most 9 characters")), "{messages:?}");
    assert!(mock.entities(KEY, "customers").is_empty());
}

#[tokio::test]
async fn statistics_count_matches_the_list_length() {
    let seeded = (1..=37)
        .map(|n| customer(50000 + n, &format!("Kunde {n}"), if n % 3 == 0 { "Bergen" } else { "Oslo" }, n));
    let mock = world().entities(KEY, "customers", seeded).start().await.unwrap();
    let client = client(&mock);
    let company = client.company(KEY);
    let bergen = Filter::eq("Info.InvoiceAddress.City", "Bergen");

    let listed = company.list::<Customer>().filter(bergen.clone()).await.unwrap();
    let counted = company.statistics("Customer").filter(bergen.clone()).count().await.unwrap();
    assert_eq!(listed.len(), 12);
    assert_eq!(counted, 12);
    assert_eq!(company.statistics("Customer").count().await.unwrap(), 37);

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Row {
        #[serde(rename = "Number")]
        number: i64,
        #[serde(rename = "Days")]
        days: i64,
    }
    let rows: Vec<Row> = company
        .statistics("Customer")
        .select(["CustomerNumber as Number", "CreditDays as Days"])
        .filter(bergen.and(Filter::gt("CreditDays", 20)))
        .orderby(["CreditDays desc"])
        .skip(1)
        .top(2)
        .rows::<Row>()
        .await
        .unwrap();
    assert_eq!(rows, [Row { number: 50033, days: 33 }, Row { number: 50030, days: 30 }]);

    let sums = company.statistics("Customer").select(["sum(CreditDays) as Total"]).send().await.unwrap();
    assert_eq!(sums[0]["Total"].as_f64(), Some((1..=37).sum::<i64>() as f64));

    // The platform's {"Success": false, "Message"} answer is an error carrying the message.
    let err = company.statistics("NoSuchModel").select(["ID"]).send().await.unwrap_err();
    let api = err.api_error().expect("an Api error");
    assert!(api.message().is_some_and(|m| m.contains("NoSuchModel")), "{err}");
}

#[tokio::test]
async fn actions_and_booking_journal_entries() {
    let mock = world()
        .entity(KEY, "customers", customer(60001, "Aktiv AS", "Oslo", 14))
        .action("customers", "deactivate", |call| {
            (StatusCode::OK, json!({ "ID": call.id, "StatusCode": 50001, "Method": call.method }))
        })
        .action("journalentries", "book-journal-entries", |call| {
            let entries = call.body.and_then(Value::as_array).cloned().unwrap_or_default();
            let booked: Vec<Value> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let balanced = e["DraftLines"]
                        .as_array()
                        .map(|lines| lines.iter().filter_map(|l| l["Amount"].as_f64()).sum::<f64>() == 0.0);
                    json!({ "ID": i + 1, "JournalEntryNumber": format!("{}-2024", i + 1),
                            "Description": e["Description"], "Balanced": balanced,
                            "Guids": e["DraftLines"].as_array().map(|l| l.iter().all(|l| l["_createguid"].is_string())) })
                })
                .collect();
            (StatusCode::OK, Value::Array(booked))
        })
        .start()
        .await
        .unwrap();
    let client = client(&mock);
    let company = client.company(KEY);

    let answer: Value = company.action(Customer::ROUTE, Some(1), "deactivate", Method::PUT).await.unwrap();
    assert_eq!(answer["StatusCode"], 50001);
    assert_eq!(answer["Method"], "PUT");
    assert_eq!(mock.api_requests_with_status("/api/biz/customers/1", 200), 1);

    let date: unimicro_api::DateTime = "2024-03-01".parse().unwrap();
    let entry = JournalEntry::new("Husleie mars")
        .with_draft_line(JournalEntryLineDraft::new(11, 10_000.0, date.clone()).with_description("Husleie"))
        .with_draft_line(JournalEntryLineDraft::new(12, -10_000.0, date));
    let booked = company.book_journal_entries(&[entry]).await.unwrap();
    assert_eq!(booked.len(), 1);
    assert_eq!(booked[0].journal_entry_number.as_deref(), Some("1-2024"));
    assert_eq!(booked[0].extra["Balanced"], true);
    assert_eq!(booked[0].extra["Guids"], true);

    let err = company.action::<Value>("customers", None, "no-such-action", Method::GET).await.unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::BAD_REQUEST));
}

#[tokio::test]
async fn invoices_with_items_and_raw_json_access() {
    let mock = world()
        .entity(KEY, "products", json!({ "Name": "Konsulenttime", "PriceExVat": 1250.0 }))
        .start()
        .await
        .unwrap();
    let client = client(&mock);
    let company = client.company(KEY);

    let product = company.create(&Product::new("Reisetid", 800.0)).await.unwrap();
    let invoice = CustomerInvoice::new(1)
        .with_item(CustomerInvoiceItem::new("Rådgivning", 2.0, 1250.0))
        .with_item(CustomerInvoiceItem::for_product(product.id, 3.0));
    let created = company.create(&invoice).retry(true).await.unwrap();
    let fetched = company.get::<CustomerInvoice>(created.id).expand(["Items"]).await.unwrap();
    let items = fetched.items.unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i.id > 0));
    assert_eq!(items[1].product_id, Some(product.id));

    // Raw JSON: any path, with the same CompanyKey and error mapping.
    let products = company.get_json("api/biz/products").query("filter", "Name eq 'Reisetid'").await.unwrap();
    assert_eq!(products.as_array().map(Vec::len), Some(1));
    assert_eq!(products[0]["PriceExVat"], 800.0);
    let one = company.get_json(&format!("/api/biz/products/{}?select=Name", product.id)).await.unwrap();
    assert_eq!(one["Name"], "Reisetid");
    let created = company
        .send_json(Method::POST, "api/biz/products", Some(json!({ "Name": "Rå", "PriceExVat": 1.5 })))
        .await
        .unwrap();
    assert!(created["ID"].as_i64().unwrap() > 0);
    let gone = company
        .send_json(Method::DELETE, &format!("api/biz/products/{}", created["ID"]), None)
        .await
        .unwrap();
    assert_eq!(gone, Value::Null);
    let err = company.get_json("api/biz/nosuchroute").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    for bad in ["", "https://elsewhere.test/api/biz/products", "api/../init/companies"] {
        let err = company.get_json(bad).await.unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{bad}: {err:?}");
    }
}

#[test]
fn entity_requests_and_streams_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let http =
        unimicro_api::reqwest_middleware::ClientBuilder::new(unimicro_api::reqwest::Client::new()).build();
    let client = Client::from_parts(http, "http://127.0.0.1:9/").unwrap();
    let company = client.company(KEY);
    assert_send(&company.list::<Customer>().stream());
    assert_send(&std::future::IntoFuture::into_future(company.list::<Customer>()));
    assert_send(&std::future::IntoFuture::into_future(company.statistics("Customer")));
    assert_send(&company.create(&Customer::new("x")).send());
    assert_send(&company.get_json("api/biz/customers").send());
}
