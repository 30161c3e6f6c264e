//! Configuration from `UNIMICRO_*` environment variables.

use unimicro_auth::Certificate;

use crate::{Client, ClientBuilder, Environment, Error, Result};

/// The variables [`Client::from_env`] reads (the tests check that no other is read).
#[cfg(test)]
pub(crate) const VARIABLES: [&str; 7] = [
    "UNIMICRO_CLIENT_ID",
    "UNIMICRO_CERT_PATH",
    "UNIMICRO_CERT_PASSWORD",
    "UNIMICRO_CLIENT_SECRET",
    "UNIMICRO_ENV",
    "UNIMICRO_API_URL",
    "UNIMICRO_AUTHORITY",
];

impl Client {
    /// A client configured by environment variables:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `UNIMICRO_CLIENT_ID` | the application's client id (required) |
    /// | `UNIMICRO_CERT_PATH` + `UNIMICRO_CERT_PASSWORD` | the `.p12` certificate and its password (may be empty) … |
    /// | `UNIMICRO_CLIENT_SECRET` | … or a client secret |
    /// | `UNIMICRO_ENV` | `test` or `production` … |
    /// | `UNIMICRO_API_URL` + `UNIMICRO_AUTHORITY` | … or the API base and identity server of another platform |
    ///
    /// The certificate is loaded now; no request is made until the first call.
    ///
    /// ```no_run
    /// # async fn run() -> unimicro_api::Result<()> {
    /// let client = unimicro_api::Client::from_env()?;
    /// println!("{} companies", client.companies().await?.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the variable that is missing or wrong and what to set, or the
    /// certificate that could not be loaded.
    pub fn from_env() -> Result<Self> {
        builder_from_lookup(|name| std::env::var(name).ok())?.build()
    }
}

/// A builder configured from `lookup` (the process environment, or a map in tests).
pub(crate) fn builder_from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder> {
    // Blank counts as unset, except for the password, which may be empty.
    let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let invalid = |m: String| Err(Error::InvalidInput(m));

    let Some(client_id) = get("UNIMICRO_CLIENT_ID") else {
        return invalid(
            "UNIMICRO_CLIENT_ID is not set: set it to your application's client id \
             (https://developer.unimicro.no/portal/applications)"
                .into(),
        );
    };

    let environment = match (get("UNIMICRO_ENV"), get("UNIMICRO_API_URL"), get("UNIMICRO_AUTHORITY")) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return invalid(
                "UNIMICRO_ENV and UNIMICRO_API_URL/UNIMICRO_AUTHORITY are both set: set only UNIMICRO_ENV \
                 (test or production), or only UNIMICRO_API_URL and UNIMICRO_AUTHORITY"
                    .into(),
            );
        }
        (Some(env), None, None) => match env.to_ascii_lowercase().as_str() {
            "test" => Environment::Test,
            "production" | "prod" => Environment::Production,
            _ => {
                return invalid(format!(
                    "UNIMICRO_ENV is `{env}`: set it to `test` or `production`, or unset it and set \
                     UNIMICRO_API_URL and UNIMICRO_AUTHORITY for another platform"
                ));
            }
        },
        (None, Some(api), Some(authority)) => Environment::custom(&api, &authority).map_err(|e| {
            Error::InvalidInput(format!("UNIMICRO_API_URL or UNIMICRO_AUTHORITY is wrong: {e}"))
        })?,
        (None, Some(_), None) => {
            return invalid("UNIMICRO_AUTHORITY is not set: with UNIMICRO_API_URL, set the identity server too (e.g. https://test-login.unimicro.no)".into());
        }
        (None, None, Some(_)) => {
            return invalid("UNIMICRO_API_URL is not set: with UNIMICRO_AUTHORITY, set the API base too (e.g. https://test.unimicro.no/)".into());
        }
        (None, None, None) => {
            return invalid(
                "UNIMICRO_ENV is not set: set it to `test` or `production` (or set UNIMICRO_API_URL and \
                 UNIMICRO_AUTHORITY for another platform)"
                    .into(),
            );
        }
    };

    let builder = ClientBuilder::new().environment(environment).client_id(client_id);
    match (get("UNIMICRO_CERT_PATH"), get("UNIMICRO_CLIENT_SECRET")) {
        (Some(_), Some(_)) => invalid(
            "UNIMICRO_CERT_PATH and UNIMICRO_CLIENT_SECRET are both set: set only one (certificate or secret)"
                .into(),
        ),
        (Some(path), None) => {
            let Some(password) = lookup("UNIMICRO_CERT_PASSWORD") else {
                return invalid(
                    "UNIMICRO_CERT_PASSWORD is not set: set it to the password of the certificate at \
                     UNIMICRO_CERT_PATH (set it empty if the file has none)"
                        .into(),
                );
            };
            let certificate = Certificate::from_pkcs12_file(&path, &password).map_err(|e| {
                let hint = match e {
                    unimicro_auth::Error::WrongPassword => "check UNIMICRO_CERT_PASSWORD",
                    unimicro_auth::Error::ReadFile { .. } => "check UNIMICRO_CERT_PATH",
                    _ => "UNIMICRO_CERT_PATH must name the .p12 file issued for the client",
                };
                Error::InvalidInput(format!("could not load the certificate UNIMICRO_CERT_PATH=`{path}` ({hint}): {e}"))
            })?;
            Ok(builder.certificate(certificate))
        }
        (None, Some(secret)) => Ok(builder.client_secret(secret)),
        (None, None) => invalid(
            "neither UNIMICRO_CERT_PATH nor UNIMICRO_CLIENT_SECRET is set: set UNIMICRO_CERT_PATH and \
             UNIMICRO_CERT_PASSWORD (a .p12 certificate), or UNIMICRO_CLIENT_SECRET"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<ClientBuilder> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        builder_from_lookup(|name| {
            assert!(VARIABLES.contains(&name), "reads an undocumented variable {name}");
            map.get(name).cloned()
        })
    }

    fn error(vars: &[(&str, &str)]) -> String {
        match from(vars) {
            Err(Error::InvalidInput(m)) => m,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    const ID: (&str, &str) = ("UNIMICRO_CLIENT_ID", "my-client");
    const SECRET: (&str, &str) = ("UNIMICRO_CLIENT_SECRET", "hunter2-very-secret");

    #[test]
    fn each_missing_or_bad_variable_is_named() {
        assert!(error(&[]).starts_with("UNIMICRO_CLIENT_ID is not set"));
        assert!(error(&[("UNIMICRO_CLIENT_ID", "  ")]).starts_with("UNIMICRO_CLIENT_ID is not set"));
        assert!(error(&[ID, SECRET]).starts_with("UNIMICRO_ENV is not set"));
        assert!(error(&[ID, SECRET, ("UNIMICRO_ENV", "staging")]).starts_with("UNIMICRO_ENV is `staging`"));
        assert!(
            error(&[ID, ("UNIMICRO_ENV", "test")])
                .starts_with("neither UNIMICRO_CERT_PATH nor UNIMICRO_CLIENT_SECRET")
        );
        assert!(
            error(&[ID, SECRET, ("UNIMICRO_API_URL", "https://api.test/")])
                .starts_with("UNIMICRO_AUTHORITY is not set")
        );
        assert!(
            error(&[ID, SECRET, ("UNIMICRO_AUTHORITY", "https://login.test")])
                .starts_with("UNIMICRO_API_URL is not set")
        );
        assert!(
            error(&[ID, SECRET, ("UNIMICRO_ENV", "test"), ("UNIMICRO_API_URL", "https://a.test/")])
                .contains("both set")
        );
        let bad_url = error(&[
            ID,
            SECRET,
            ("UNIMICRO_API_URL", "http://api.test/"),
            ("UNIMICRO_AUTHORITY", "https://l.test"),
        ]);
        assert!(
            bad_url.starts_with("UNIMICRO_API_URL or UNIMICRO_AUTHORITY is wrong")
                && bad_url.contains("plain http"),
            "{bad_url}"
        );
        let env = ("UNIMICRO_ENV", "test");
        assert!(error(&[ID, env, SECRET, ("UNIMICRO_CERT_PATH", "x.p12")]).contains("both set"));
        assert!(
            error(&[ID, env, ("UNIMICRO_CERT_PATH", "x.p12")])
                .starts_with("UNIMICRO_CERT_PASSWORD is not set")
        );
        let missing = error(&[
            ID,
            env,
            ("UNIMICRO_CERT_PATH", "/nonexistent/x.p12"),
            ("UNIMICRO_CERT_PASSWORD", "pw-secret"),
        ]);
        assert!(
            missing.contains("UNIMICRO_CERT_PATH=`/nonexistent/x.p12` (check UNIMICRO_CERT_PATH)"),
            "{missing}"
        );
        assert!(!missing.contains("pw-secret"), "{missing}");
    }

    #[test]
    fn good_configurations_build() {
        let b = from(&[ID, SECRET, ("UNIMICRO_ENV", "Production")]).unwrap();
        assert!(!format!("{b:?}").contains("hunter2"));
        assert_eq!(b.build().unwrap().api_base().as_str(), "https://app.unimicro.no/");
        let b = from(&[
            ID,
            SECRET,
            ("UNIMICRO_API_URL", "https://dnbregnskap.dnb.no"),
            ("UNIMICRO_AUTHORITY", "https://login.dnbregnskap.dnb.no"),
        ])
        .unwrap();
        assert_eq!(b.build().unwrap().api_base().as_str(), "https://dnbregnskap.dnb.no/");
    }
}
