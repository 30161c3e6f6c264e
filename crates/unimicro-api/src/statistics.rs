//! The statistics query (`GET /api/statistics?model=…`): aggregates and joins over any entity.

use std::marker::PhantomData;

use http::Method;
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{Map, Value};

use crate::error::{ApiError, DecodeError};
use crate::request::{Answer, QueryParams, decode, into_future};
use crate::{CompanyHandler, Error, Filter, Result};

/// A row of a statistics answer, when no type is given: column alias → value.
pub type StatisticsRow = Map<String, Value>;

impl<'c> CompanyHandler<'c> {
    /// A statistics query over the entity type `model` (`Customer`, `CustomerInvoice`,
    /// `JournalEntryLine` …; the type name, not the route).
    ///
    /// Rows come back as [`StatisticsRow`] maps, or as your own type with [`rows`](Statistics::rows).
    /// Alias every column (`sum(Amount) as Total`): unaliased columns get flattened names.
    ///
    /// ```no_run
    /// # async fn run(company: unimicro_api::CompanyHandler<'_>) -> unimicro_api::Result<()> {
    /// use unimicro_api::{Filter, FilterValue};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Sales {
    ///     #[serde(rename = "Customer")]
    ///     customer: String,
    ///     #[serde(rename = "Total")]
    ///     total: f64,
    /// }
    /// let rows: Vec<Sales> = company
    ///     .statistics("CustomerInvoice")
    ///     .select(["CustomerName as Customer", "sum(TaxExclusiveAmount) as Total"])
    ///     .filter(Filter::ge("InvoiceDate", FilterValue::date(2024, 1, 1)))
    ///     .orderby(["Total desc"])
    ///     .top(10)
    ///     .rows::<Sales>()
    ///     .await?;
    /// let customers = company.statistics("Customer").filter(Filter::eq("StatusCode", 30001)).count().await?;
    /// # Ok(()) }
    /// ```
    pub fn statistics(&self, model: &str) -> Statistics<'c> {
        Statistics {
            company: self.clone(),
            model: model.trim().to_owned(),
            select: Vec::new(),
            expand: Vec::new(),
            filter: None,
            orderby: Vec::new(),
            top: None,
            skip: None,
            _rows: PhantomData,
        }
    }
}

/// A statistics query: `GET /api/statistics?model=…&select=…`.
///
/// Made by [`CompanyHandler::statistics`]; `.await` it or call [`send`](Self::send). Answers both
/// shapes the platform uses — `{"Success": true, "Data": [...]}` and a bare array — and turns
/// `{"Success": false, "Message": …}` into an [`Error::Api`] carrying the message.
///
/// `select`, `expand` and `orderby` items are passed as written — functions, aliases and joins
/// included — except that commas inside a function's parentheses are escaped (`\,`) as the platform
/// requires. They are not escaped otherwise: keep user input in the [`filter`](Self::filter).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct Statistics<'c, R = StatisticsRow> {
    company: CompanyHandler<'c>,
    model: String,
    select: Vec<String>,
    expand: Vec<String>,
    filter: Option<Filter>,
    orderby: Vec<String>,
    top: Option<u32>,
    skip: Option<u32>,
    _rows: PhantomData<fn() -> R>,
}

impl<'c, R: DeserializeOwned + Send + 'static> Statistics<'c, R> {
    /// The columns (`select=`): fields, aggregates and aliases, e.g. `["count(ID) as Count"]`.
    pub fn select<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        push_escaped(&mut self.select, columns);
        self
    }

    /// Navigations to join (`expand=`), e.g. `["Info"]`.
    pub fn expand<I, S>(mut self, navigations: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        push_escaped(&mut self.expand, navigations);
        self
    }

    /// Only rows matching `filter` (`filter=`); a second call combines both with `and`.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Filter::all(self.filter.take().into_iter().chain([filter]));
        self
    }

    /// Sort order (`orderby=`), e.g. `["Total desc"]`.
    pub fn orderby<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        push_escaped(&mut self.orderby, columns);
        self
    }

    /// At most this many rows (`top=`).
    pub fn top(mut self, n: u32) -> Self {
        self.top = Some(n);
        self
    }

    /// Skips this many rows first (`skip=`).
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = Some(n);
        self
    }

    /// Decodes the rows as `U` instead (a struct whose fields are the column aliases).
    pub fn rows<U: DeserializeOwned + Send + 'static>(self) -> Statistics<'c, U> {
        Statistics {
            company: self.company,
            model: self.model,
            select: self.select,
            expand: self.expand,
            filter: self.filter,
            orderby: self.orderby,
            top: self.top,
            skip: self.skip,
            _rows: PhantomData,
        }
    }

    /// Counts the matching records (`select=count(ID) as Count`), ignoring any other `select`.
    ///
    /// # Errors
    /// As [`send`](Self::send), and [`Error::Decode`] when the answer has no numeric `Count`.
    pub async fn count(self) -> Result<u64> {
        let mut query = self.rows::<StatisticsRow>();
        query.select = vec!["count(ID) as Count".to_owned()];
        let (answer, rows) = query.fetch().await?;
        let count = rows.first().and_then(|row| {
            let value = row.iter().find(|(k, _)| k.eq_ignore_ascii_case("Count")).map(|(_, v)| v)?;
            value
                .as_u64()
                .or_else(|| value.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0).map(|f| f as u64))
                .or_else(|| value.as_str()?.trim().parse().ok())
        });
        count.ok_or_else(|| {
            Error::Decode(Box::new(DecodeError::unexpected(
                answer.status,
                &answer.body,
                "the count query's answer has no row with a numeric `Count`",
            )))
        })
    }

    /// Sends the query.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty model or an invalid filter (nothing is sent);
    /// [`Error::Api`] for an error status, and for a 200 answer with `"Success": false` (its message
    /// in [`ApiError::message`]); [`Error::Auth`]; [`Error::Transport`]; [`Error::Decode`] naming the
    /// JSON path that did not fit `R`.
    pub async fn send(self) -> Result<Vec<R>> {
        Ok(self.fetch().await?.1)
    }

    async fn fetch(self) -> Result<(Answer, Vec<R>)> {
        if self.model.is_empty() || !self.model.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(Error::InvalidInput(format!(
                "statistics model {:?} is not an entity type name (e.g. `Customer`, `CustomerInvoice`)",
                self.model
            )));
        }
        let mut query = QueryParams::default();
        query.other.push(("model".into(), self.model.clone()));
        query.add_list("select", &self.select);
        query.add_list("expand", &self.expand);
        query.add_list("orderby", &self.orderby);
        query.add_filter(self.filter.as_ref())?;
        query.add_top_skip(self.top, self.skip);
        let request = self.company.request(Method::GET, &["api", "statistics"])?.query(&query);
        let (method, url) = (request.method.clone(), request.url.clone());
        let answer = self.company.client().execute(request).await?;
        let rows = read_rows(&answer, method, url)?;
        Ok((answer, rows))
    }
}

into_future!(Statistics<'c, R> => Vec<R> where R: DeserializeOwned + Send + 'static);

#[derive(Deserialize)]
struct Head {
    #[serde(rename = "Success", alias = "success")]
    success: Option<bool>,
    #[serde(rename = "Data", alias = "data", default)]
    data: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Wrapped<R> {
    #[serde(rename = "Data", alias = "data")]
    data: Vec<R>,
}

/// The rows of a statistics answer: a bare array, or the `Data` of `{Success, Message, Data}`.
fn read_rows<R: DeserializeOwned>(answer: &Answer, method: Method, url: url::Url) -> Result<Vec<R>> {
    if answer.is_json_array() {
        return answer.json();
    }
    let head: Head = answer.json()?;
    if head.success == Some(false) {
        let content_type = answer.content_type.as_ref().and_then(|v| v.to_str().ok());
        let error = ApiError::new(method, url, answer.status, content_type, &answer.body, false);
        return Err(Error::Api(Box::new(error)));
    }
    if head.data.is_none() {
        return Err(Error::Decode(Box::new(DecodeError::unexpected(
            answer.status,
            &answer.body,
            "the statistics answer is neither an array nor an object with `Data`",
        ))));
    }
    let wrapped: Wrapped<R> = decode(answer.status, &answer.body)?;
    Ok(wrapped.data)
}

/// Adds items, escaping commas inside parentheses (`casewhen(a\,b\,c)`) so they don't split the list.
fn push_escaped<I, S>(list: &mut Vec<String>, items: I)
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    for item in items {
        let item: String = item.into();
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let mut out = String::with_capacity(item.len());
        let (mut depth, mut quoted, mut escaped) = (0u32, false, false);
        for c in item.chars() {
            match c {
                ',' if depth > 0 && !quoted && !escaped => out.push_str("\\,"),
                _ => out.push(c),
            }
            match c {
                '\'' => quoted = !quoted,
                '(' if !quoted => depth += 1,
                ')' if !quoted => depth = depth.saturating_sub(1),
                _ => {}
            }
            escaped = c == '\\' && !escaped;
        }
        list.push(out);
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http::StatusCode;

    use super::*;

    fn answer(body: &str) -> Answer {
        Answer { status: StatusCode::OK, content_type: None, body: Bytes::from(body.to_owned()) }
    }

    fn url() -> url::Url {
        url::Url::parse("https://api.test/api/statistics?model=Customer").unwrap()
    }

    #[test]
    fn commas_inside_functions_are_escaped() {
        let mut list = Vec::new();
        push_escaped(
            &mut list,
            ["casewhen(StatusCode eq 1,Amount,0) as A", " ID ", "", "x(a\\,b)", "f(Name eq 'a,b',1)"],
        );
        assert_eq!(
            list,
            ["casewhen(StatusCode eq 1\\,Amount\\,0) as A", "ID", "x(a\\,b)", "f(Name eq 'a,b'\\,1)"]
        );
    }

    #[test]
    fn reads_both_answer_shapes() {
        let bare: Vec<StatisticsRow> = read_rows(&answer(r#"[{"Count":3}]"#), Method::GET, url()).unwrap();
        assert_eq!(bare[0]["Count"], 3);
        let wrapped: Vec<StatisticsRow> = read_rows(
            &answer(r#"{"Success":true,"Message":"","Data":[{"Count":4},{"Count":5}]}"#),
            Method::GET,
            url(),
        )
        .unwrap();
        assert_eq!(wrapped.len(), 2);
        let lower: Vec<StatisticsRow> =
            read_rows(&answer(r#"{"success":true,"data":[]}"#), Method::GET, url()).unwrap();
        assert!(lower.is_empty());
    }

    #[test]
    fn success_false_is_an_api_error_with_the_message() {
        let body = r#"{"Success":false,"Message":"Unknown model 'Kunde'","Data":null}"#;
        let e = read_rows::<StatisticsRow>(&answer(body), Method::GET, url()).unwrap_err();
        let api = e.api_error().expect("an Api error");
        assert_eq!(api.message(), Some("Unknown model 'Kunde'"));
        assert_eq!(api.body(), body);
        assert!(e.to_string().contains("Unknown model 'Kunde'"), "{e}");
    }

    #[test]
    fn typed_rows_name_the_failing_path() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Row {
            #[serde(rename = "Total")]
            total: f64,
        }
        let e = read_rows::<Row>(
            &answer(r#"{"Success":true,"Data":[{"Total":1},{"Total":"x"}]}"#),
            Method::GET,
            url(),
        )
        .unwrap_err();
        let Error::Decode(d) = &e else { panic!("{e:?}") };
        assert_eq!(d.path(), "Data[1].Total");
        let e = read_rows::<Row>(&answer(r#"{"Rows":[]}"#), Method::GET, url()).unwrap_err();
        assert!(e.to_string().contains("neither an array"), "{e}");
    }
}
