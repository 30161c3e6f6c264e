//! Typed models of the API's entities.
//!
//! All models follow the API's JSON: PascalCase names, `ID` and `…ID` spelled as the API does, every
//! field but `ID` optional, and every field the model does not know kept in `extra` and written back,
//! so that fetch → modify → update never drops data. Fields that are `None` are left out when a
//! model is serialized, so an update sends only what the model holds; an `ID` of 0 (unset) is left out too.

mod account;
pub(crate) mod business_model;
mod common;
mod company;
mod company_settings;
mod currency_code;
mod customer;
mod customer_invoice;
mod date;
mod journal_entry;
mod product;
mod supplier;
mod vat_type;

pub use common::{Address, BankAccount, Email, Phone};
pub use company::{Company, CompanyKey};
pub use company_settings::CompanySettings;
pub use date::{DateTime, ParseDateTimeError, Time};

pub use account::Account;
pub use business_model::new_create_guid;
pub use currency_code::CurrencyCode;
pub use customer::{BusinessRelation, Customer};
pub use customer_invoice::{CustomerInvoice, CustomerInvoiceItem};
pub use journal_entry::{JournalEntry, JournalEntryLine, JournalEntryLineDraft};
pub use product::Product;
pub use supplier::Supplier;
pub use vat_type::VatType;

/// Whether an `ID` is unset (0): such an `ID` is left out when a model is serialized.
pub(crate) fn is_zero(id: &i64) -> bool {
    *id == 0
}
