//! `Company`, an element of `GET /api/init/companies`, and its key.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::DateTime;

/// A company the client has access to, as listed by [`Client::companies`](crate::Client::companies).
///
/// Its [`key`](Self::key) is what [`Client::company`](crate::Client::company) takes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Company {
    /// The company's id (0 when the answer left it out).
    #[serde(rename = "ID", default, skip_serializing_if = "crate::models::is_zero")]
    pub id: i64,
    /// The key to send as the `CompanyKey` header of company-scoped calls (a UUID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<CompanyKey>,
    /// The company's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The organisation number (Norwegian: 9 digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_number: Option<String>,
    /// Whether this is a test company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_test: Option<bool>,
    /// Whether this is a template company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_template: Option<bool>,
    /// The company's client number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_number: Option<i64>,
    /// The address that receives documents for the company's file flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_flow_email: Option<String>,
    /// The organisation-number variant of the file-flow address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_flow_orgnr_email: Option<String>,
    /// The id of the company's webhook subscriber.
    #[serde(rename = "WebHookSubscriberId", skip_serializing_if = "Option::is_none")]
    pub web_hook_subscriber_id: Option<String>,
    /// Status code of the entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
    /// Whether the entity is deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// When the entity was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime>,
    /// Who created the entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// When the entity was last updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime>,
    /// Who last updated the entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// Custom fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_values: Option<Value>,
    /// Every field this model does not name, kept as received and written back.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The key of a company: what the API takes in the `CompanyKey` header of company-scoped calls.
///
/// Not a secret: it names a company, access is granted by the token. Any text converts into a key;
/// one that can't be sent as a header value is refused with
/// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CompanyKey(String);

impl CompanyKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CompanyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CompanyKey({:?})", self.0)
    }
}

impl fmt::Display for CompanyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for CompanyKey {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for CompanyKey {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<&String> for CompanyKey {
    fn from(s: &String) -> Self {
        Self(s.clone())
    }
}

impl From<&CompanyKey> for CompanyKey {
    fn from(k: &CompanyKey) -> Self {
        k.clone()
    }
}

impl AsRef<str> for CompanyKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
