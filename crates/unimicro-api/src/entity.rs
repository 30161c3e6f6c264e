//! Every business entity under `/api/biz/`: the [`Entity`] trait, and list, stream, get, create,
//! update, delete and `?action=` requests on [`CompanyHandler`].

use std::collections::VecDeque;
use std::marker::PhantomData;

use futures::Stream;
use http::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::DecodeError;
use crate::filter::field_problem;
use crate::request::{ApiRequest, QueryParams, extend_non_blank, into_future, select_expand};
use crate::{CompanyHandler, Error, Filter, Result};

/// A business entity reachable at `/api/biz/{ROUTE}`.
///
/// Implemented by this crate's models ([`Customer`](crate::Customer), [`CustomerInvoice`](crate::CustomerInvoice)
/// …). For any of the platform's other ~190 routes, write the struct you need and implement it:
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Serialize, Deserialize)]
/// struct Project {
///     #[serde(rename = "ID", default)]
///     id: i64,
///     #[serde(rename = "Name")]
///     name: Option<String>,
///     #[serde(rename = "ProjectNumber")]
///     project_number: Option<String>,
///     // Keep what you don't model, so an update doesn't drop it.
///     #[serde(flatten)]
///     extra: serde_json::Map<String, serde_json::Value>,
/// }
///
/// impl unimicro_api::Entity for Project {
///     const ROUTE: &'static str = "projects";
///     fn id(&self) -> Option<i64> {
///         (self.id != 0).then_some(self.id)
///     }
/// }
/// ```
pub trait Entity: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The route under `/api/biz/`, exactly as the platform spells it (`customers`,
    /// `business-relations`, `invoices` …).
    const ROUTE: &'static str;

    /// The record's `ID`, or `None` for a record not created yet (an `ID` of 0).
    fn id(&self) -> Option<i64>;
}

/// The default number of records per request of [`ListEntities::stream`].
pub const DEFAULT_PAGE_SIZE: u32 = 100;

impl<'c> CompanyHandler<'c> {
    /// Lists records of `T` (`GET /api/biz/{route}`): add a [`filter`](ListEntities::filter),
    /// [`select`](ListEntities::select), [`expand`](ListEntities::expand),
    /// [`orderby`](ListEntities::orderby), [`top`](ListEntities::top) or [`skip`](ListEntities::skip),
    /// then `.await` for one page, or call [`stream`](ListEntities::stream) for all of them.
    ///
    /// ```no_run
    /// # async fn run(company: unimicro_api::CompanyHandler<'_>) -> unimicro_api::Result<()> {
    /// use unimicro_api::{Customer, Filter};
    ///
    /// let customers: Vec<Customer> = company
    ///     .list::<Customer>()
    ///     .filter(Filter::startswith("Info.Name", "Nord"))
    ///     .expand(["Info.DefaultEmail"])
    ///     .orderby(["CustomerNumber desc"])
    ///     .top(20)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn list<T: Entity>(&self) -> ListEntities<'c, T> {
        ListEntities {
            company: self.clone(),
            filter: None,
            query: QueryParams::default(),
            orderby: Vec::new(),
            top: None,
            skip: None,
            page_size: DEFAULT_PAGE_SIZE,
            _entity: PhantomData,
        }
    }

    /// Gets one record of `T` by its `ID` (`GET /api/biz/{route}/{id}`).
    pub fn get<T: Entity>(&self, id: i64) -> GetEntity<'c, T> {
        GetEntity { company: self.clone(), id, query: QueryParams::default(), _entity: PhantomData }
    }

    /// Creates a record (`POST /api/biz/{route}`); answers the record as created, with its `ID`.
    ///
    /// Nested new records (an invoice's items, a customer's `Info`) should carry a `_createguid`
    /// (the models' `with_create_guid()`, set by their constructors). Not retried on failure unless the
    /// client's [`RetryPolicy`](crate::RetryPolicy) or [`CreateEntity::retry`] says so.
    pub fn create<T: Entity>(&self, record: &T) -> CreateEntity<'c, T> {
        CreateEntity { company: self.clone(), body: to_json(record), retry: None, _entity: PhantomData }
    }

    /// Replaces a record (`PUT /api/biz/{route}/{id}`, the `ID` taken from `record`); answers the
    /// record as saved.
    ///
    /// Send the whole record as fetched and changed: the models keep fields they don't know, so
    /// nothing is lost. A record without an `ID` is refused with [`Error::InvalidInput`] before
    /// anything is sent.
    pub fn update<T: Entity>(&self, record: &T) -> UpdateEntity<'c, T> {
        UpdateEntity { company: self.clone(), id: record.id(), body: to_json(record), _entity: PhantomData }
    }

    /// Deletes a record of `T` by its `ID` (`DELETE /api/biz/{route}/{id}`); any 2xx answer (200 or
    /// 204) is success.
    pub fn delete<T: Entity>(&self, id: i64) -> DeleteEntity<'c> {
        DeleteEntity { company: self.clone(), route: T::ROUTE, id }
    }

    /// Calls an action (`{method} /api/biz/{route}[/{id}]?action={name}`) and decodes its answer as
    /// `R` (an empty answer reads as JSON `null`, so `R = ()` or `Option<_>` accept it).
    ///
    /// Add a JSON [`body`](EntityAction::body) and [`param`](EntityAction::param)eters as the action
    /// needs:
    ///
    /// ```no_run
    /// # async fn run(company: unimicro_api::CompanyHandler<'_>) -> unimicro_api::Result<()> {
    /// use http::Method;
    /// use unimicro_api::{Customer, Entity};
    ///
    /// // PUT /api/biz/customers/42?action=deactivate
    /// company.action::<serde_json::Value>(Customer::ROUTE, Some(42), "deactivate", Method::PUT).await?;
    /// // GET /api/biz/accounts?action=balance&fromPeriod=1&toPeriod=12
    /// let balance: serde_json::Value = company
    ///     .action("accounts", None, "balance", Method::GET)
    ///     .param("fromPeriod", "1")
    ///     .param("toPeriod", "12")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn action<R: DeserializeOwned>(
        &self,
        route: &str,
        id: Option<i64>,
        name: &str,
        method: Method,
    ) -> EntityAction<'c, R> {
        EntityAction {
            company: self.clone(),
            route: route.to_owned(),
            id,
            method,
            params: vec![("action".to_owned(), name.to_owned())],
            body: None,
            retry: None,
            _answer: PhantomData,
        }
    }
}

fn to_json<T: Serialize + ?Sized>(record: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(record)
        .map_err(|e| Error::InvalidInput(format!("could not serialize the record as JSON: {e}")))
}

/// Checks `select`/`expand` items: field paths only (a comma or space would change the query).
fn check_paths(what: &str, items: &[String]) -> Result<()> {
    for item in items {
        if let Some(problem) = field_problem(item) {
            return Err(Error::InvalidInput(format!("{what}: {problem}")));
        }
    }
    Ok(())
}

/// Checks `orderby` items: a field path, optionally followed by `asc` or `desc`.
fn check_orderby(items: &[String]) -> Result<()> {
    for item in items {
        let mut words = item.split_whitespace();
        let field = words.next().unwrap_or_default();
        let direction = words.next();
        let direction_ok =
            direction.is_none_or(|d| d.eq_ignore_ascii_case("asc") || d.eq_ignore_ascii_case("desc"));
        if field_problem(field).is_some() || !direction_ok || words.next().is_some() {
            return Err(Error::InvalidInput(format!(
                "orderby: {item:?} is not a field path optionally followed by `asc` or `desc` (e.g. `InvoiceDate desc`)"
            )));
        }
    }
    Ok(())
}

/// Lists records of an entity: `GET /api/biz/{route}` with query options.
///
/// Made by [`CompanyHandler::list`]. `.await` (or [`send`](Self::send)) returns one answer — the
/// platform's default page unless [`top`](Self::top) says otherwise; [`stream`](Self::stream) pages
/// through every record.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent, awaited or streamed"]
pub struct ListEntities<'c, T> {
    company: CompanyHandler<'c>,
    filter: Option<Filter>,
    query: QueryParams,
    orderby: Vec<String>,
    top: Option<u32>,
    skip: Option<u32>,
    page_size: u32,
    _entity: PhantomData<fn() -> T>,
}

impl<'c, T: Entity> ListEntities<'c, T> {
    /// Only records matching `filter` (`filter=`); a second call combines both with `and`.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Filter::all(self.filter.take().into_iter().chain([filter]));
        self
    }

    select_expand!(select: r#"["ID", "Info.Name"]"#, expand: r#"["Info", "Info.DefaultEmail"]"#);

    /// Sorts by these fields (`orderby=`), each optionally followed by `asc` or `desc`, e.g.
    /// `["InvoiceDate desc", "ID"]`.
    pub fn orderby<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        extend_non_blank(&mut self.orderby, fields);
        self
    }

    /// At most this many records (`top=`). With [`stream`](Self::stream): at most this many in all.
    pub fn top(mut self, n: u32) -> Self {
        self.top = Some(n);
        self
    }

    /// Skips this many records first (`skip=`). With [`stream`](Self::stream): where it starts.
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = Some(n);
        self
    }

    /// How many records each request of [`stream`](Self::stream) asks for (default
    /// [`DEFAULT_PAGE_SIZE`], at least 1).
    ///
    /// A page shorter than this ends the stream, so keep it at or below what the platform serves in
    /// one answer: a server that capped pages below it would end the stream early. The platform
    /// documents no cap; clients in the wild use 50 to 1000.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n;
        self
    }

    fn build(&self, orderby: &[String], top: Option<u32>, skip: Option<u32>) -> Result<ApiRequest> {
        check_paths("select", &self.query.select)?;
        check_paths("expand", &self.query.expand)?;
        check_orderby(orderby)?;
        let mut query = self.query.clone();
        query.add_filter(self.filter.as_ref())?;
        query.add_list("orderby", orderby);
        query.add_top_skip(top, skip);
        Ok(self.company.request(Method::GET, &["api", "biz", T::ROUTE])?.query(&query))
    }

    async fn fetch(&self, orderby: &[String], top: Option<u32>, skip: Option<u32>) -> Result<Vec<T>> {
        let request = self.build(orderby, top, skip)?;
        self.company.client().send_json(request).await
    }

    /// Sends the request: one answer's worth of records.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed field name in the filter, `select`, `expand` or
    /// `orderby`, or a company key that can't be a header (nothing is sent); [`Error::Api`] for an
    /// error answer; [`Error::Auth`]; [`Error::Transport`]; [`Error::Decode`] naming the JSON path
    /// that did not fit `T`.
    pub async fn send(self) -> Result<Vec<T>> {
        self.fetch(&self.orderby, self.top, self.skip).await
    }

    /// Every matching record, fetched [`page_size`](Self::page_size) at a time with `top`/`skip` until
    /// a page comes back short.
    ///
    /// Starts at [`skip`](Self::skip) (default 0) and yields at most [`top`](Self::top) records when
    /// set. Without an [`orderby`](Self::orderby) the pages are ordered by `ID`, so that no record is
    /// skipped or repeated between pages. An error ends the stream after being yielded; so does a
    /// server that ignores `skip` (the same page twice), reported as [`Error::Decode`] rather than
    /// looping forever.
    ///
    /// ```no_run
    /// # async fn run(company: unimicro_api::CompanyHandler<'_>) -> unimicro_api::Result<()> {
    /// use futures::TryStreamExt;
    /// use unimicro_api::Customer;
    ///
    /// let mut customers = std::pin::pin!(company.list::<Customer>().page_size(500).stream());
    /// while let Some(customer) = customers.try_next().await? {
    ///     println!("{:?}", customer.name());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + 'c {
        let orderby = if self.orderby.is_empty() { vec!["ID".to_owned()] } else { self.orderby.clone() };
        let state = Paging {
            next_skip: u64::from(self.skip.unwrap_or(0)),
            remaining: self.top.map(u64::from),
            buffer: VecDeque::new(),
            done: false,
            previous_first_id: None,
            orderby,
            request: self,
        };
        futures::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(item) = state.buffer.pop_front() {
                    return Some((Ok(item), state));
                }
                if state.done {
                    return None;
                }
                if let Err(e) = state.next_page().await {
                    state.done = true;
                    return Some((Err(e), state));
                }
            }
        })
    }
}

struct Paging<'c, T> {
    request: ListEntities<'c, T>,
    orderby: Vec<String>,
    next_skip: u64,
    remaining: Option<u64>,
    buffer: VecDeque<T>,
    done: bool,
    previous_first_id: Option<i64>,
}

impl<T: Entity> Paging<'_, T> {
    /// Fetches the next page into the buffer, and marks the end when it is.
    async fn next_page(&mut self) -> Result<()> {
        if self.request.page_size == 0 {
            return Err(Error::InvalidInput("page_size must be at least 1".into()));
        }
        let want = match self.remaining {
            Some(0) => {
                self.done = true;
                return Ok(());
            }
            Some(left) => left.min(u64::from(self.request.page_size)),
            None => u64::from(self.request.page_size),
        };
        let skip = u32::try_from(self.next_skip).map_err(|_| {
            Error::InvalidInput(format!(
                "paged past skip={}: the API takes 32-bit skip values",
                self.next_skip
            ))
        })?;
        let top = u32::try_from(want).unwrap_or(u32::MAX);
        let mut page = self.request.fetch(&self.orderby, Some(top), Some(skip)).await?;
        let got = page.len() as u64;
        if got < want || got == 0 {
            self.done = true;
        }
        if got > want {
            // The server ignored `top`: what came is all there is to trust.
            tracing::warn!(
                route = T::ROUTE,
                top,
                got,
                "the API answered more records than asked for; stopping"
            );
            page.truncate(usize::try_from(want).unwrap_or(usize::MAX));
            self.done = true;
        }
        let first_id = page.first().and_then(Entity::id);
        if skip > 0 && first_id.is_some() && first_id == self.previous_first_id {
            return Err(Error::Decode(Box::new(DecodeError::unexpected(
                StatusCode::OK,
                b"",
                format!(
                    "the API answered the same page for skip={skip} as for the page before (first ID {}): \
                     it seems to ignore `skip`, so paging stopped",
                    first_id.unwrap_or_default()
                ),
            ))));
        }
        self.previous_first_id = first_id;
        self.next_skip += page.len() as u64;
        if let Some(left) = &mut self.remaining {
            *left -= page.len() as u64;
        }
        self.buffer.extend(page);
        Ok(())
    }
}

into_future!(ListEntities<'c, T> => Vec<T> where T: Entity);

/// Gets one record: `GET /api/biz/{route}/{id}`.
///
/// Made by [`CompanyHandler::get`]; `.await` it or call [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct GetEntity<'c, T> {
    company: CompanyHandler<'c>,
    id: i64,
    query: QueryParams,
    _entity: PhantomData<fn() -> T>,
}

impl<'c, T: Entity> GetEntity<'c, T> {
    select_expand!(select: r#"["ID", "Info.Name"]"#, expand: r#"["Info", "Info.Addresses"]"#);

    /// Sends the request.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed `select`/`expand` path; [`Error::Api`] (404 for an
    /// unknown `ID`: [`Error::is_not_found`]); [`Error::Auth`]; [`Error::Transport`]; [`Error::Decode`].
    pub async fn send(self) -> Result<T> {
        check_paths("select", &self.query.select)?;
        check_paths("expand", &self.query.expand)?;
        let id = self.id.to_string();
        let request = self.company.request(Method::GET, &["api", "biz", T::ROUTE, &id])?.query(&self.query);
        self.company.client().send_json(request).await
    }
}

into_future!(GetEntity<'c, T> => T where T: Entity);

/// Creates a record: `POST /api/biz/{route}`.
///
/// Made by [`CompanyHandler::create`]; `.await` it or call [`send`](Self::send).
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateEntity<'c, T> {
    company: CompanyHandler<'c>,
    body: Result<Vec<u8>>,
    retry: Option<bool>,
    _entity: PhantomData<fn() -> T>,
}

impl<'c, T: Entity> CreateEntity<'c, T> {
    /// Whether this create may be retried on a transient failure, overriding the client's
    /// [`RetryPolicy::retry_post`](crate::RetryPolicy::retry_post). Safe when the record carries a
    /// `_createguid`, which the platform uses to refuse a duplicate.
    pub fn retry(mut self, yes: bool) -> Self {
        self.retry = Some(yes);
        self
    }

    /// Sends the request; any 2xx answer (201 or 200) with the created record is success.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the record can't be serialized; [`Error::Api`] for an error
    /// answer — a 400 carries the platform's [`validation_messages`](Error::validation_messages);
    /// [`Error::Auth`]; [`Error::Transport`]; [`Error::Decode`].
    pub async fn send(self) -> Result<T> {
        let mut request = self.company.request(Method::POST, &["api", "biz", T::ROUTE])?;
        request = request.json_body(self.body?);
        request.retry_post = self.retry;
        self.company.client().send_json(request).await
    }
}

into_future!(CreateEntity<'c, T> => T where T: Entity);

/// Replaces a record: `PUT /api/biz/{route}/{id}`.
///
/// Made by [`CompanyHandler::update`]; `.await` it or call [`send`](Self::send).
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct UpdateEntity<'c, T> {
    company: CompanyHandler<'c>,
    id: Option<i64>,
    body: Result<Vec<u8>>,
    _entity: PhantomData<fn() -> T>,
}

impl<'c, T: Entity> UpdateEntity<'c, T> {
    /// Sends the request; answers the record as saved. An empty 2xx answer is followed by a `GET` of
    /// the record, so the result is always the saved record.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the record has no `ID` (create it first) or can't be serialized
    /// (nothing is sent); [`Error::Api`] — a 400 carries the
    /// [`validation_messages`](Error::validation_messages); [`Error::Auth`]; [`Error::Transport`];
    /// [`Error::Decode`].
    pub async fn send(self) -> Result<T> {
        let id = self.id.ok_or_else(|| {
            Error::InvalidInput(format!(
                "can't update a {} record without an ID: the record was not created yet; use `create` for new records",
                T::ROUTE
            ))
        })?;
        let id_text = id.to_string();
        let request = self.company.request(Method::PUT, &["api", "biz", T::ROUTE, &id_text])?;
        let answer = self.company.client().execute(request.json_body(self.body?)).await?;
        if answer.is_blank() {
            return self.company.get::<T>(id).send().await;
        }
        answer.json()
    }
}

into_future!(UpdateEntity<'c, T> => T where T: Entity);

/// Deletes a record: `DELETE /api/biz/{route}/{id}`.
///
/// Made by [`CompanyHandler::delete`]; `.await` it or call [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct DeleteEntity<'c> {
    company: CompanyHandler<'c>,
    route: &'static str,
    id: i64,
}

impl DeleteEntity<'_> {
    /// Sends the request; any 2xx answer (200 with the record, or 204) is success.
    ///
    /// # Errors
    /// [`Error::Api`] (404 for an unknown `ID`: [`Error::is_not_found`]); [`Error::Auth`];
    /// [`Error::Transport`].
    pub async fn send(self) -> Result<()> {
        let id = self.id.to_string();
        let request = self.company.request(Method::DELETE, &["api", "biz", self.route, &id])?;
        self.company.client().execute(request).await.map(drop)
    }
}

into_future!(DeleteEntity<'c> => ());

/// Calls an action: `{method} /api/biz/{route}[/{id}]?action={name}[&param=…]`.
///
/// Made by [`CompanyHandler::action`]; `.await` it or call [`send`](Self::send).
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct EntityAction<'c, R> {
    company: CompanyHandler<'c>,
    route: String,
    id: Option<i64>,
    method: Method,
    params: Vec<(String, String)>,
    body: Option<Result<Vec<u8>>>,
    retry: Option<bool>,
    _answer: PhantomData<fn() -> R>,
}

impl<'c, R: DeserializeOwned + Send + 'static> EntityAction<'c, R> {
    /// Sends `body` as the JSON body.
    pub fn body<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.body = Some(to_json(body));
        self
    }

    /// Adds a query parameter (`&name=value`, percent-encoded).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Whether this action may be retried on a transient failure when its method is `POST` or
    /// `PATCH`, overriding the client's [`RetryPolicy::retry_post`](crate::RetryPolicy::retry_post).
    pub fn retry(mut self, yes: bool) -> Self {
        self.retry = Some(yes);
        self
    }

    /// Sends the request and decodes the answer as `R` (an empty answer as JSON `null`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the body can't be serialized; [`Error::Api`]; [`Error::Auth`];
    /// [`Error::Transport`]; [`Error::Decode`].
    pub async fn send(self) -> Result<R> {
        let id = self.id.map(|id| id.to_string());
        let mut segments = vec!["api", "biz", self.route.as_str()];
        segments.extend(id.as_deref());
        let query = QueryParams { other: self.params, ..QueryParams::default() };
        let mut request = self.company.request(self.method, &segments)?.query(&query);
        if let Some(body) = self.body {
            request = request.json_body(body?);
        }
        request.retry_post = self.retry;
        let answer = self.company.client().execute(request).await?;
        answer.json_or_null()
    }
}

into_future!(EntityAction<'c, R> => R where R: DeserializeOwned + Send + 'static);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orderby_items_are_checked() {
        assert!(check_orderby(&["ID".into(), "InvoiceDate desc".into(), "Info.Name ASC".into()]).is_ok());
        for bad in ["", "ID sideways", "ID desc extra", "Name,ID", "x'y"] {
            let e = check_orderby(&[bad.to_owned()]).unwrap_err().to_string();
            assert!(e.contains("orderby"), "{bad}: {e}");
        }
    }

    #[test]
    fn select_and_expand_items_are_checked() {
        assert!(check_paths("select", &["ID".into(), "Info.Name".into()]).is_ok());
        let e = check_paths("expand", &["Info,Dimensions".into()]).unwrap_err().to_string();
        assert!(e.starts_with("expand: invalid field name"), "{e}");
    }
}
