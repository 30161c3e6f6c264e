//! `Company`, an element of `GET /api/init/companies`, and its key.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::business_model::business_model;

business_model! {
    /// A company the client has access to, as listed by [`Client::companies`](crate::Client::companies).
    ///
    /// Its [`key`](Self::key) is what [`Client::company`](crate::Client::company) takes.
    pub struct Company in "companies" {
        /// The key to send as the `CompanyKey` header of company-scoped calls (a UUID).
        key: CompanyKey = "Key",
        /// The company's name.
        name: String = "Name",
        /// The organisation number (Norwegian: 9 digits).
        organization_number: String = "OrganizationNumber",
        /// Whether this is a test company.
        is_test: bool = "IsTest",
        /// Whether this is a template company.
        is_template: bool = "IsTemplate",
        /// The company's client number.
        client_number: i64 = "ClientNumber",
        /// The address that receives documents for the company's file flow.
        file_flow_email: String = "FileFlowEmail",
        /// The organisation-number variant of the file-flow address.
        file_flow_orgnr_email: String = "FileFlowOrgnrEmail",
        /// The id of the company's webhook subscriber.
        web_hook_subscriber_id: String = "WebHookSubscriberId",
    }
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
