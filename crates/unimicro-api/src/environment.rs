//! Where the API and its identity server are.

use url::Url;

use crate::{Error, Result};

/// Which Unimicro platform to talk to: its API base and its identity server (OpenID Connect authority).
///
/// ```
/// use unimicro_api::Environment;
///
/// let test = Environment::Test;
/// assert_eq!(test.api_base().as_str(), "https://test.unimicro.no/");
///
/// // Another platform on the same stack, or a local fake:
/// let dnb = Environment::custom("https://dnbregnskap.dnb.no/", "https://login.dnbregnskap.dnb.no")?;
/// assert_eq!(dnb.authority().as_str(), "https://login.dnbregnskap.dnb.no/");
/// # Ok::<(), unimicro_api::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// Unimicro's test environment for external developers: API `https://test.unimicro.no/`,
    /// identity `https://test-login.unimicro.no`.
    Test,
    /// Unimicro production: API `https://app.unimicro.no/`, identity `https://login.unimicro.no`.
    Production,
    /// Any other platform on the same stack (bank-branded ones), or a fake for tests.
    /// Made by [`Environment::custom`], which checks both URLs.
    Custom {
        /// The API base, ending with `/`.
        api_base: Url,
        /// The identity server.
        authority: Url,
    },
}

impl Environment {
    /// Another platform: its API base (e.g. `https://dnbregnskap.dnb.no/`) and its identity server
    /// (e.g. `https://login.dnbregnskap.dnb.no`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when a URL does not parse, is not `https` (plain `http` is allowed for
    /// loopback hosts only, for local fakes), or carries a query, fragment or credentials.
    pub fn custom(api_base: impl AsRef<str>, authority: impl AsRef<str>) -> Result<Self> {
        Ok(Environment::Custom {
            api_base: parse_base("API base", api_base.as_ref())?,
            authority: parse_base("authority", authority.as_ref())?,
        })
    }

    /// The API base URL, ending with `/`.
    pub fn api_base(&self) -> Url {
        match self {
            Environment::Test => Url::parse("https://test.unimicro.no/").expect("valid URL"),
            Environment::Production => Url::parse("https://app.unimicro.no/").expect("valid URL"),
            Environment::Custom { api_base, .. } => api_base.clone(),
        }
    }

    /// The identity server (OpenID Connect authority) that issues the API's tokens.
    pub fn authority(&self) -> Url {
        match self {
            Environment::Test => Url::parse("https://test-login.unimicro.no").expect("valid URL"),
            Environment::Production => Url::parse("https://login.unimicro.no").expect("valid URL"),
            Environment::Custom { authority, .. } => authority.clone(),
        }
    }
}

/// Parses and checks a base URL; the result's path ends with `/` so that relative paths join under it.
pub(crate) fn parse_base(what: &str, input: &str) -> Result<Url> {
    let bad = |why: String| Err(Error::InvalidInput(format!("the {what} `{input}` {why}")));
    let mut url = match Url::parse(input.trim()) {
        Ok(url) => url,
        Err(e) => {
            return bad(format!(
                "is not a valid URL ({e}); give a full URL such as `https://test.unimicro.no/`"
            ));
        }
    };
    if !url.username().is_empty() || url.password().is_some() {
        // Not echoed: the URL holds a password.
        return Err(Error::InvalidInput(format!("the {what} must not carry credentials (user:password@)")));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return bad("uses plain http: only loopback hosts may; use https".into()),
        _ => return bad("must be an https URL".into()),
    }
    if url.host().is_none() {
        return bad("has no host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return bad("must not have a query or fragment".into());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_hosts() {
        assert_eq!(Environment::Test.api_base().as_str(), "https://test.unimicro.no/");
        assert_eq!(Environment::Test.authority().as_str(), "https://test-login.unimicro.no/");
        assert_eq!(Environment::Production.api_base().as_str(), "https://app.unimicro.no/");
        assert_eq!(Environment::Production.authority().as_str(), "https://login.unimicro.no/");
    }

    #[test]
    fn custom_normalises_the_base() {
        let env = Environment::custom("https://example.test/prefix", "http://127.0.0.1:8080").unwrap();
        assert_eq!(env.api_base().as_str(), "https://example.test/prefix/");
        assert_eq!(env.api_base().join("api/init/companies").unwrap().path(), "/prefix/api/init/companies");
        assert_eq!(env.authority().as_str(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn custom_refuses_bad_urls() {
        for (api, auth, expect) in [
            ("not a url", "https://login.test", "is not a valid URL"),
            ("http://example.test/", "https://login.test", "plain http"),
            ("ftp://example.test/", "https://login.test", "must be an https URL"),
            ("https://example.test/?x=1", "https://login.test", "query"),
            ("https://user:pw@example.test/", "https://login.test", "credentials"),
            ("https://example.test/", "login.test", "authority `login.test` is not a valid URL"),
        ] {
            let e = Environment::custom(api, auth).unwrap_err();
            assert!(matches!(e, Error::InvalidInput(_)));
            assert!(e.to_string().contains(expect), "{e}");
            assert!(!e.to_string().contains("pw@"), "{e}");
        }
    }
}
