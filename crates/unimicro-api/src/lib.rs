//! A typed async client for the Unimicro accounting API, and for the bank-branded platforms on the
//! same stack.
//!
//! A [`Client`] gets and refreshes its access tokens itself (through `unimicro-auth`), lists the
//! companies it was granted, and makes company-scoped calls with the `CompanyKey` header.
//!
//! # Quick start
//!
//! ```no_run
//! use unimicro_api::{Certificate, Client, Environment};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .environment(Environment::Test)
//!     .client_id("my-client-id")
//!     .certificate(Certificate::from_pkcs12_file("client.p12", "password")?)
//!     .build()?;
//!
//! for company in client.companies().await? {
//!     let Some(key) = &company.key else { continue };
//!     let settings = client.company(key).settings().expand(["DefaultAddress"]).await?;
//!     println!("{:?} {:?}", settings.company_name, settings.organization_number);
//! }
//! # Ok(()) }
//! ```
//!
//! Or configure it with `UNIMICRO_*` environment variables: [`Client::from_env`].
//!
//! # Requests
//!
//! Handlers scope calls ([`Client::company`] → [`CompanyHandler`]); request values
//! ([`ListCompanies`], [`GetCompanySettings`]) carry options and are sent with `send()` or `.await`.
//!
//! # Every business entity
//!
//! Any `/api/biz/{route}` entity — this crate's models or your own type implementing [`Entity`] — is
//! listed, streamed page by page, fetched, created, updated and deleted through [`CompanyHandler`];
//! `?action=` calls, the statistics query and raw JSON cover the rest. Filters are built with
//! [`Filter`], which escapes values, so user input can't change a query's meaning. Idempotent requests
//! are retried on 429/502/503/504 and connection failures ([`RetryPolicy`]).
//!
//! ```no_run
//! use unimicro_api::{Customer, Filter};
//!
//! # async fn run(client: unimicro_api::Client, search: &str) -> unimicro_api::Result<()> {
//! let company = client.company("3a6c1d1e-8c2b-4f7e-9d0a-1b2c3d4e5f60");
//! let found = company.list::<Customer>().filter(Filter::contains("Info.Name", search)).expand(["Info"]).await?;
//! let mut customer = company.create(&Customer::new("Nordmann AS").with_email("post@nordmann.no")).await?;
//! customer.credit_days = Some(30);
//! let customer = company.update(&customer).await?;
//! let active = company.statistics("Customer").filter(Filter::eq("StatusCode", 30001)).count().await?;
//! # let _ = (found, customer, active); Ok(()) }
//! ```
//!
//! # Models
//!
//! [`Company`] and [`CompanySettings`] (with [`Address`], [`Email`], [`Phone`], [`BankAccount`] when
//! expanded) follow the API's JSON; fields the models do not name are kept in `extra` and written back.
//! Dates are [`DateTime`], which keeps the API's text.
//!
//! # Errors
//!
//! One [`Error`] type: the API's error answers with status, message, validation messages and raw
//! body; token failures; transport failures; decode failures naming the JSON path; invalid input.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod client;
mod company;
mod entity;
mod env;
mod environment;
mod error;
mod filter;
mod models;
mod raw;
mod request;
mod retry;
mod statistics;

pub use builder::ClientBuilder;
pub use client::Client;
pub use company::{CompanyHandler, GetCompanySettings, ListCompanies};
pub use entity::{
    CreateEntity, DEFAULT_PAGE_SIZE, DeleteEntity, Entity, EntityAction, GetEntity, ListEntities,
    UpdateEntity,
};
pub use environment::Environment;
pub use error::{ApiError, DecodeError, Error, Result, ValidationMessage};
pub use filter::{Filter, FilterValue};
pub use models::{
    Account, BusinessRelation, CurrencyCode, Customer, CustomerInvoice, CustomerInvoiceItem, JournalEntry,
    JournalEntryLine, JournalEntryLineDraft, Product, Supplier, VatType, new_create_guid,
};
pub use models::{
    Address, BankAccount, Company, CompanyKey, CompanySettings, DateTime, Email, ParseDateTimeError, Phone,
    Time,
};
pub use raw::RawRequest;
pub use retry::RetryPolicy;
pub use statistics::{Statistics, StatisticsRow};
/// The credentials types a [`ClientBuilder`] takes, from `unimicro-auth`.
pub use unimicro_auth::{Certificate, ClientSecret};
/// The crates this crate's API exposes, re-exported so versions always match.
pub use {unimicro_auth, unimicro_auth::reqwest, unimicro_auth::reqwest_middleware};

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
