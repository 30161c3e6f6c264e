//! One HTTP answer of the mock, before it becomes a wiremock `ResponseTemplate`.

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

const JSON: &str = "application/json; charset=utf-8";

/// An answer: status, body, and headers.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON body.
    pub(crate) fn json(status: u16, body: &Value) -> Self {
        Self { status, body: body.to_string().into_bytes(), content_type: Some(JSON), headers: Vec::new() }
    }

    /// The platform's error shape: `{"Message": "..."}`.
    pub(crate) fn message(status: u16, message: impl Into<String>) -> Self {
        Self::json(status, &json!({ "Message": message.into() }))
    }

    /// A plain-text body.
    pub(crate) fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into().into_bytes(),
            content_type: Some("text/plain; charset=utf-8"),
            headers: Vec::new(),
        }
    }

    /// No body.
    pub(crate) fn empty(status: u16) -> Self {
        Self { status, body: Vec::new(), content_type: None, headers: Vec::new() }
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The wiremock response, delayed by `latency` when it isn't zero.
    pub(crate) fn into_template(self, latency: Duration) -> ResponseTemplate {
        // Every status the mock makes is a valid one (100..=599), so this conversion can't fail.
        let mut template = ResponseTemplate::new(self.status);
        for (name, value) in self.headers {
            template = template.append_header(name, value.as_str());
        }
        template = match self.content_type {
            Some(mime) => template.set_body_raw(self.body, mime),
            None => template,
        };
        if latency.is_zero() { template } else { template.set_delay(latency) }
    }
}
