//! The companies list, the company handler, and company settings.

use http::Method;
use http::header::HeaderValue;

use crate::error::DecodeError;
use crate::request::{ApiRequest, QueryParams, decode, into_future, select_expand};
use crate::{Client, Company, CompanyKey, CompanySettings, Error, Result};

/// The name of the header that scopes a call to a company.
pub(crate) const COMPANY_KEY_HEADER: &str = "CompanyKey";

/// Lists the companies the client has access to: `GET /api/init/companies`, without a `CompanyKey`.
///
/// Made by [`Client::companies`]; `.await` it or call [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct ListCompanies<'a> {
    client: &'a Client,
}

impl<'a> ListCompanies<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Sends the request.
    ///
    /// # Errors
    /// [`Error::Api`] for an error answer, [`Error::Auth`] when no token could be had,
    /// [`Error::Transport`], or [`Error::Decode`] naming the JSON path that did not fit.
    pub async fn send(self) -> Result<Vec<Company>> {
        let request = self.client.request(Method::GET, &["api", "init", "companies"]);
        self.client.send_json(request).await
    }
}

into_future!(ListCompanies<'a> => Vec<Company>);

/// Calls scoped to one company, made by [`Client::company`]: every request sends `CompanyKey`.
///
/// Cheap to clone: it holds a reference to the client and the key.
///
/// ```no_run
/// # async fn run(client: unimicro_api::Client) -> unimicro_api::Result<()> {
/// let company = client.company("3a6c1d1e-8c2b-4f7e-9d0a-1b2c3d4e5f60");
/// let settings = company.settings().expand(["DefaultAddress"]).await?;
/// println!("{:?}", settings.default_address.and_then(|a| a.city));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CompanyHandler<'a> {
    client: &'a Client,
    key: CompanyKey,
    header: Option<HeaderValue>,
}

impl<'a> CompanyHandler<'a> {
    pub(crate) fn new(client: &'a Client, key: CompanyKey) -> Self {
        let header = header_value(&key);
        Self { client, key, header }
    }

    /// The company's key.
    pub fn key(&self) -> &CompanyKey {
        &self.key
    }

    /// The client the calls go through.
    pub fn client(&self) -> &'a Client {
        self.client
    }

    /// The company's settings (`GET /api/biz/companysettings`): add [`select`](GetCompanySettings::select)
    /// or [`expand`](GetCompanySettings::expand), then `.await`.
    pub fn settings(&self) -> GetCompanySettings<'a> {
        GetCompanySettings { company: self.clone(), query: QueryParams::default() }
    }

    /// A request to `segments` under the API base carrying this company's `CompanyKey` header.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the key can't be a header value.
    pub(crate) fn request(&self, method: Method, segments: &[&str]) -> Result<ApiRequest> {
        let header = self.header.clone().ok_or_else(|| {
            Error::InvalidInput(format!(
                "the company key {:?} can't be sent as the CompanyKey header: it must be non-empty printable \
                 ASCII without surrounding spaces; use the `key` of a company from `client.companies()`",
                self.key.as_str()
            ))
        })?;
        let mut request = self.client.request(method, segments);
        request.headers.insert(COMPANY_KEY_HEADER, header);
        Ok(request)
    }
}

/// The key as a header value, if it can be one.
fn header_value(key: &CompanyKey) -> Option<HeaderValue> {
    let key = key.as_str();
    if key.is_empty() || key.trim() != key || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return None;
    }
    HeaderValue::from_str(key).ok()
}

/// Gets a company's settings: `GET /api/biz/companysettings`, the one element of its array.
///
/// Made by [`CompanyHandler::settings`]; `.await` it or call [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct GetCompanySettings<'a> {
    company: CompanyHandler<'a>,
    query: QueryParams,
}

impl GetCompanySettings<'_> {
    select_expand!(select: r#"["ID", "CompanyName"]"#, expand: r#"["DefaultAddress", "BankAccounts"]"#);

    /// Sends the request.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the company key can't be a header value (nothing is sent);
    /// [`Error::Api`] for an error answer; [`Error::Auth`]; [`Error::Transport`]; [`Error::Decode`]
    /// naming the JSON path that did not fit, or saying the answer was an empty array.
    pub async fn send(self) -> Result<CompanySettings> {
        let request =
            self.company.request(Method::GET, &["api", "biz", "companysettings"])?.query(&self.query);
        let answer = self.company.client.execute(request).await?;
        // The collection answers an array of one; a single object is accepted too.
        if !answer.is_json_array() {
            return answer.json();
        }
        let list: Vec<CompanySettings> = decode(answer.status, &answer.body)?;
        list.into_iter().next().ok_or_else(|| {
            Error::Decode(Box::new(DecodeError::unexpected(
                answer.status,
                &answer.body,
                format!(
                    "the company settings answer was an empty array: company `{}` has no settings \
                     visible to this client",
                    self.company.key
                ),
            )))
        })
    }
}

into_future!(GetCompanySettings<'a> => CompanySettings);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_checked() {
        assert!(header_value(&"3a6c1d1e-8c2b-4f7e-9d0a-1b2c3d4e5f60".into()).is_some());
        for bad in ["", " key", "key ", "line\nbreak", "tab\tkey", "nøkkel"] {
            assert!(header_value(&bad.into()).is_none(), "{bad:?}");
        }
    }
}
