//! Entities that other entities point to: addresses, e-mail addresses, phone numbers, bank accounts.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::DateTime;

/// A postal address (`Address`), e.g. [`CompanySettings::default_address`](crate::CompanySettings::default_address).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Address {
    /// The address's id (0 when the answer left it out, or for a new one).
    #[serde(rename = "ID", default, skip_serializing_if = "crate::models::is_zero")]
    pub id: i64,
    /// First address line.
    #[serde(rename = "AddressLine1", skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    /// Second address line.
    #[serde(rename = "AddressLine2", skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// Third address line.
    #[serde(rename = "AddressLine3", skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Country code (`NO`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The business relation the address belongs to.
    #[serde(rename = "BusinessRelationID", skip_serializing_if = "Option::is_none")]
    pub business_relation_id: Option<i64>,
    /// Status code of the entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
    /// Whether the entity is deleted (set it to delete a child in an update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// When the entity was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime>,
    /// When the entity was last updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime>,
    /// Idempotency key of a new child entity in a create or update.
    #[serde(rename = "_createguid", skip_serializing_if = "Option::is_none")]
    pub create_guid: Option<String>,
    /// Every field this model does not name, kept as received and written back.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An e-mail address (`Email`), e.g. [`CompanySettings::default_email`](crate::CompanySettings::default_email).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Email {
    /// The entity's id (0 when the answer left it out, or for a new one).
    #[serde(rename = "ID", default, skip_serializing_if = "crate::models::is_zero")]
    pub id: i64,
    /// The address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The business relation the address belongs to.
    #[serde(rename = "BusinessRelationID", skip_serializing_if = "Option::is_none")]
    pub business_relation_id: Option<i64>,
    /// Status code of the entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
    /// Whether the entity is deleted (set it to delete a child in an update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Idempotency key of a new child entity in a create or update.
    #[serde(rename = "_createguid", skip_serializing_if = "Option::is_none")]
    pub create_guid: Option<String>,
    /// Every field this model does not name (`Type` …), kept as received and written back.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A phone number (`Phone`), e.g. [`CompanySettings::default_phone`](crate::CompanySettings::default_phone).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Phone {
    /// The entity's id (0 when the answer left it out, or for a new one).
    #[serde(rename = "ID", default, skip_serializing_if = "crate::models::is_zero")]
    pub id: i64,
    /// The number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Country calling code (`+47`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The business relation the number belongs to.
    #[serde(rename = "BusinessRelationID", skip_serializing_if = "Option::is_none")]
    pub business_relation_id: Option<i64>,
    /// Status code of the entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
    /// Whether the entity is deleted (set it to delete a child in an update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Idempotency key of a new child entity in a create or update.
    #[serde(rename = "_createguid", skip_serializing_if = "Option::is_none")]
    pub create_guid: Option<String>,
    /// Every field this model does not name (`Type` …), kept as received and written back.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A bank account (`BankAccount`), e.g. [`CompanySettings::bank_accounts`](crate::CompanySettings::bank_accounts).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct BankAccount {
    /// The entity's id (0 when the answer left it out, or for a new one).
    #[serde(rename = "ID", default, skip_serializing_if = "crate::models::is_zero")]
    pub id: i64,
    /// The account number (Norwegian: 11 digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// The IBAN.
    #[serde(rename = "IBAN", skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    /// The bank.
    #[serde(rename = "BankID", skip_serializing_if = "Option::is_none")]
    pub bank_id: Option<i64>,
    /// The ledger account the bank account is booked on.
    #[serde(rename = "AccountID", skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
    /// The business relation that owns the account, if any.
    #[serde(rename = "BusinessRelationID", skip_serializing_if = "Option::is_none")]
    pub business_relation_id: Option<i64>,
    /// The company settings the account belongs to, for the company's own accounts.
    #[serde(rename = "CompanySettingsID", skip_serializing_if = "Option::is_none")]
    pub company_settings_id: Option<i64>,
    /// Status code of the entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
    /// Whether the entity is deleted (set it to delete a child in an update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// Idempotency key of a new child entity in a create or update.
    #[serde(rename = "_createguid", skip_serializing_if = "Option::is_none")]
    pub create_guid: Option<String>,
    /// Every field this model does not name (`BankAccountType`, `Bank` …), kept as received and written back.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
