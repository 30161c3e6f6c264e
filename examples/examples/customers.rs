//! Customers: list, search with a filter built from user input, create, update, count.
//!
//! ```sh
//! cargo run --example customers                # search for the default term, O'Brien
//! cargo run --example customers -- "bølgen & co"
//! ```
//!
//! Against the in-process mock by default. With `UNIMICRO_*` variables set it runs against the real
//! platform, and then creates and updates a customer only in a company marked as a test company.

use futures::TryStreamExt;
use unimicro_api::{Client, Customer, Error, Filter};
use unimicro_examples::{BoxError, DemoClient, Target, init_tracing};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    init_tracing("warn");
    let search = std::env::args().nth(1).unwrap_or_else(|| "O'Brien".to_owned());
    let target = Target::from_env_or_demo(DemoClient::Certificate).await?;
    println!("Calling {}", target.describe());
    let client: Client = target.client_builder().build()?;

    let companies = client.companies().await?;
    let company_info =
        companies.iter().find(|c| c.key.is_some()).ok_or("the client was granted no company")?;
    let key = company_info.key.clone().ok_or("the company has no key")?;
    let company = client.company(key);
    println!("Company: {}", company_info.name.as_deref().unwrap_or("-"));

    // List: the first ten by number, with name and e-mail.
    println!("\nCustomers:");
    let customers = company
        .list::<Customer>()
        .expand(["Info", "Info.DefaultEmail"])
        .orderby(["CustomerNumber"])
        .top(10)
        .await?;
    for c in &customers {
        print_customer(c);
    }

    // Search: the term goes into the filter as a literal, quotes and all; it can't change the query.
    let filter = Filter::contains("Info.Name", search.as_str());
    println!("\nSearching with filter={filter}");
    let found = company.list::<Customer>().filter(filter.clone()).expand(["Info"]).await?;
    for c in &found {
        print_customer(c);
    }
    let count = company.statistics("Customer").filter(filter).count().await?;
    println!("  {} match(es); statistics counts {count}", found.len());

    if target.mock().is_none() && company_info.is_test != Some(true) {
        println!("\nNot creating or updating anything: this company is not a test company.");
        return Ok(());
    }

    // Create: nested new records (Info, e-mail, phone) carry a fresh _createguid.
    let new = Customer::new("Eksempel Kunde AS").with_email("post@eksempel.no").with_phone("+47 22 33 44 55");
    let created = company.create(&new).await?;
    println!("\nCreated {:?} with ID {}", created.name().unwrap_or("a customer"), created.id);

    // Update: fetch, change, put back — fields the model doesn't know go back unchanged.
    let mut fetched = company.get::<Customer>(created.id).expand(["Info"]).await?;
    fetched.credit_days = Some(30);
    let updated = company.update(&fetched).await?;
    println!("Updated credit days to {:?}", updated.credit_days);

    // What a validation error looks like: the platform's messages, per property.
    match company.create(&Customer::new("")).await {
        Err(e @ Error::Api(_)) => {
            println!("Creating a customer without a name fails: {e}");
            for v in e.validation_messages() {
                println!("  {}: {}", v.property, v.message);
            }
        }
        Err(e) => return Err(e.into()),
        Ok(c) => println!("The platform accepted a customer without a name (ID {})", c.id),
    }

    // Every customer, paged 2 at a time (a real integration would use hundreds).
    let all: Vec<Customer> = company.list::<Customer>().page_size(2).stream().try_collect().await?;
    println!("\n{} customers in all, fetched in pages of 2", all.len());

    if let Some(mock) = target.mock() {
        println!(
            "The mock saw {} API requests after {} token request(s).",
            mock.api_requests_total(),
            mock.token_requests(&target.client_id)
        );
    }
    Ok(())
}

fn print_customer(c: &Customer) {
    let email =
        c.info.as_ref().and_then(|i| i.default_email.as_ref()).and_then(|e| e.email_address.as_deref());
    println!(
        "  {:>6}  {:<28} {}",
        c.customer_number.map(|n| n.to_string()).unwrap_or_default(),
        c.name().unwrap_or("-"),
        email.unwrap_or("")
    );
}
