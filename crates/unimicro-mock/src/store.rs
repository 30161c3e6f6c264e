//! The per-company entity store behind `/api/biz/{route}`: CRUD, nested records, validation rules.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::filter::get_path;
use crate::query::is_navigation;

/// Routes the mock knows without being told, with their statistics model names.
const KNOWN_ROUTES: &[(&str, &str)] = &[
    ("accounts", "Account"),
    ("addresses", "Address"),
    ("bankaccounts", "BankAccount"),
    ("business-relations", "BusinessRelation"),
    ("companysettings", "CompanySettings"),
    ("contacts", "Contact"),
    ("currencycodes", "CurrencyCode"),
    ("customers", "Customer"),
    ("departments", "Department"),
    ("dimensions", "Dimensions"),
    ("emails", "Email"),
    ("employees", "Employee"),
    ("financialyears", "FinancialYear"),
    ("invoiceitems", "CustomerInvoiceItem"),
    ("invoices", "CustomerInvoice"),
    ("journalentries", "JournalEntry"),
    ("journalentrylinedrafts", "JournalEntryLineDraft"),
    ("journalentrylines", "JournalEntryLine"),
    ("orderitems", "CustomerOrderItem"),
    ("orders", "CustomerOrder"),
    ("payments", "Payment"),
    ("phones", "Phone"),
    ("products", "Product"),
    ("projects", "Project"),
    ("quoteitems", "CustomerQuoteItem"),
    ("quotes", "CustomerQuote"),
    ("supplierinvoices", "SupplierInvoice"),
    ("suppliers", "Supplier"),
    ("terms", "Terms"),
    ("users", "User"),
    ("vattypes", "VatType"),
];

/// A validation rule for one field of the entities of a route: a failing POST or PUT answers 400
/// with the platform's `_validationResults`.
///
/// ```
/// use unimicro_mock::ValidationRule;
///
/// let rules = [
///     ValidationRule::required("Info.Name"),
///     ValidationRule::max_length("OrgNumber", 9),
///     ValidationRule::custom("CreditDays", "Credit days can't be negative", |v| {
///         v.and_then(|v| v.as_i64()).is_none_or(|d| d >= 0)
///     }),
/// ];
/// ```
#[derive(Clone)]
pub struct ValidationRule {
    path: Vec<String>,
    message: String,
    operator: &'static str,
    check: Check,
}

/// A custom check: the field's value (`None` when missing) → whether it is valid.
type CustomCheck = Arc<dyn Fn(Option<&Value>) -> bool + Send + Sync>;

#[derive(Clone)]
enum Check {
    Required,
    MaxLength(usize),
    Custom(CustomCheck),
}

impl ValidationRule {
    /// The field (a dotted path such as `Info.Name`) must be present, not `null`, and not blank text.
    pub fn required(field: &str) -> Self {
        let name = field.rsplit('.').next().unwrap_or(field);
        Self::with(field, format!("{name} is required"), "Required", Check::Required)
    }

    /// The field, when it is text, must be at most `max` characters.
    pub fn max_length(field: &str, max: usize) -> Self {
        let name = field.rsplit('.').next().unwrap_or(field);
        Self::with(
            field,
            format!("{name} can be at most {max} characters"),
            "MaxLength",
            Check::MaxLength(max),
        )
    }

    /// A check of your own: `valid` gets the field's value (`None` when missing) and says whether it is
    /// acceptable; `message` is what the 400 answer says otherwise.
    pub fn custom(
        field: &str,
        message: impl Into<String>,
        valid: impl Fn(Option<&Value>) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self::with(field, message.into(), "Custom", Check::Custom(Arc::new(valid)))
    }

    /// Replaces the message of the 400 answer.
    #[must_use]
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    fn with(field: &str, message: String, operator: &'static str, check: Check) -> Self {
        Self { path: field.split('.').map(str::to_owned).collect(), message, operator, check }
    }

    fn passes(&self, entity: &Value) -> bool {
        let value = get_path(entity, &self.path).filter(|v| !v.is_null());
        match &self.check {
            Check::Required => value.is_some_and(|v| v.as_str().is_none_or(|s| !s.trim().is_empty())),
            Check::MaxLength(max) => value.and_then(Value::as_str).is_none_or(|s| s.chars().count() <= *max),
            Check::Custom(valid) => valid(value),
        }
    }
}

impl fmt::Debug for ValidationRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidationRule")
            .field("field", &self.path.join("."))
            .field("operator", &self.operator)
            .field("message", &self.message)
            .finish()
    }
}

/// Why a store operation failed; the API turns it into the platform's answer.
#[derive(Debug)]
pub(crate) enum StoreError {
    /// No entity with this ID: 404.
    NotFound,
    /// The request is wrong: 400 with this message.
    BadRequest(String),
    /// Validation failed: 400 with this entity-shaped body holding `_validationResults`.
    Validation(Value),
}

#[derive(Debug, Default)]
struct Collection {
    items: BTreeMap<i64, Value>,
    createguids: HashSet<String>,
}

impl Collection {
    /// The ID after the highest one, as the platform assigns them.
    fn next_id(&self) -> i64 {
        self.items.keys().next_back().map_or(1, |last| last + 1)
    }
}

#[derive(Debug, Clone)]
struct RouteInfo {
    model: String,
    rules: Vec<ValidationRule>,
}

/// Who is writing, and when: stamped on `CreatedBy`/`UpdatedBy` and `CreatedAt`/`UpdatedAt`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Author<'a> {
    pub(crate) user: &'a str,
    pub(crate) at: SystemTime,
}

/// Every company's collections.
#[derive(Debug)]
pub(crate) struct Store {
    routes: HashMap<String, RouteInfo>,
    data: HashMap<(String, String), Collection>,
    next_child_id: i64,
}

impl Default for Store {
    fn default() -> Self {
        let routes = KNOWN_ROUTES
            .iter()
            .map(|(r, m)| (r.to_string(), RouteInfo { model: m.to_string(), rules: Vec::new() }))
            .collect();
        Self { routes, data: HashMap::new(), next_child_id: 1000 }
    }
}

fn key(company: &str, route: &str) -> (String, String) {
    (company.to_ascii_lowercase(), route.to_ascii_lowercase())
}

fn entity_id(v: &Value) -> Option<i64> {
    v.as_object().and_then(entity_id_of_map)
}

impl Store {
    /// Makes `route` known, with `model` as its statistics model and validation entity type.
    pub(crate) fn register_route(&mut self, route: &str, model: Option<&str>) {
        let info = self
            .routes
            .entry(route.to_ascii_lowercase())
            .or_insert_with(|| RouteInfo { model: route.to_owned(), rules: Vec::new() });
        if let Some(model) = model {
            info.model = model.to_owned();
        }
    }

    pub(crate) fn add_rule(&mut self, route: &str, rule: ValidationRule) {
        self.register_route(route, None);
        if let Some(info) = self.routes.get_mut(&route.to_ascii_lowercase()) {
            info.rules.push(rule);
        }
    }

    pub(crate) fn is_route(&self, route: &str) -> bool {
        self.routes.contains_key(&route.to_ascii_lowercase())
    }

    /// The model name of a route (`customers` → `Customer`).
    pub(crate) fn model_of(&self, route: &str) -> Option<&str> {
        self.routes.get(&route.to_ascii_lowercase()).map(|i| i.model.as_str())
    }

    /// The route of a statistics model, matched case-insensitively (also by the route itself).
    pub(crate) fn route_of_model(&self, model: &str) -> Option<String> {
        self.routes
            .iter()
            .find(|(_, info)| info.model.eq_ignore_ascii_case(model))
            .or_else(|| self.routes.iter().find(|(route, _)| route.eq_ignore_ascii_case(model)))
            .map(|(route, _)| route.clone())
    }

    /// Seeds an entity as it is (assigning an ID and nested IDs where missing), bypassing validation.
    pub(crate) fn seed(&mut self, company: &str, route: &str, mut entity: Value) -> Value {
        self.register_route(route, None);
        let collection = self.data.entry(key(company, route)).or_default();
        let id = entity_id(&entity).unwrap_or_else(|| collection.next_id());
        if let Value::Object(map) = &mut entity {
            map.retain(|k, _| !k.eq_ignore_ascii_case("ID"));
            map.insert("ID".into(), json!(id));
        }
        assign_child_ids(&mut entity, &mut self.next_child_id);
        collection.items.insert(id, entity.clone());
        entity
    }

    /// The entities of a route, in ID order.
    pub(crate) fn list(&self, company: &str, route: &str) -> impl Iterator<Item = &Value> {
        self.data.get(&key(company, route)).into_iter().flat_map(|c| c.items.values())
    }

    pub(crate) fn get(&self, company: &str, route: &str, id: i64) -> Option<&Value> {
        self.data.get(&key(company, route))?.items.get(&id)
    }

    /// POST: validates, assigns an ID (the client's is ignored), stamps it, and stores it.
    pub(crate) fn create(
        &mut self,
        company: &str,
        route: &str,
        body: Value,
        author: Author<'_>,
    ) -> Result<Value, StoreError> {
        let model = self.model_of(route).unwrap_or(route).to_owned();
        let Value::Object(mut map) = body else {
            return Err(StoreError::BadRequest(format!(
                "The request body must be a JSON object: one {model} to create."
            )));
        };
        let guid = map.get("_createguid").and_then(Value::as_str).map(str::to_owned);
        if let Some(guid) = &guid
            && self.data.get(&key(company, route)).is_some_and(|c| c.createguids.contains(guid))
        {
            return Err(StoreError::BadRequest(format!(
                "A {model} with _createguid '{guid}' has already been created; send a new _createguid for a new record."
            )));
        }
        self.validate(route, &Value::Object(map.clone()))?;
        let collection = self.data.entry(key(company, route)).or_default();
        let id = collection.next_id();
        map.retain(|k, _| !k.eq_ignore_ascii_case("ID"));
        map.insert("ID".into(), json!(id));
        map.insert("CreatedAt".into(), json!(timestamp(author.at)));
        map.insert("CreatedBy".into(), json!(author.user));
        map.insert("UpdatedAt".into(), Value::Null);
        map.insert("UpdatedBy".into(), Value::Null);
        map.entry("Deleted").or_insert(json!(false));
        let mut entity = Value::Object(map);
        assign_child_ids(&mut entity, &mut self.next_child_id);
        if let Some(guid) = guid {
            collection.createguids.insert(guid);
        }
        collection.items.insert(id, entity.clone());
        Ok(entity)
    }

    /// PUT: merges the body into the stored entity (fields not sent are kept; a `null` navigation
    /// means "not loaded" and keeps the stored one; nested records merge by ID, new ones are added,
    /// ones with `"Deleted": true` removed), validates the result, stamps and stores it.
    pub(crate) fn update(
        &mut self,
        company: &str,
        route: &str,
        id: i64,
        body: Value,
        author: Author<'_>,
    ) -> Result<Value, StoreError> {
        if !body.is_object() {
            return Err(StoreError::BadRequest(
                "The request body must be a JSON object: the entity to update.".into(),
            ));
        }
        if let Some(body_id) = entity_id(&body)
            && body_id != id
        {
            return Err(StoreError::BadRequest(format!(
                "The ID in the body ({body_id}) does not match the ID in the URL ({id})."
            )));
        }
        let mut entity = self.get(company, route, id).cloned().ok_or(StoreError::NotFound)?;
        merge(&mut entity, &body, &mut self.next_child_id);
        if let Value::Object(map) = &mut entity {
            map.insert("ID".into(), json!(id));
            map.insert("UpdatedAt".into(), json!(timestamp(author.at)));
            map.insert("UpdatedBy".into(), json!(author.user));
        }
        self.validate(route, &entity)?;
        let collection = self.data.entry(key(company, route)).or_default();
        collection.items.insert(id, entity.clone());
        Ok(entity)
    }

    pub(crate) fn delete(&mut self, company: &str, route: &str, id: i64) -> Result<(), StoreError> {
        self.data
            .get_mut(&key(company, route))
            .and_then(|c| c.items.remove(&id))
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }

    fn validate(&self, route: &str, entity: &Value) -> Result<(), StoreError> {
        let Some(info) = self.routes.get(&route.to_ascii_lowercase()) else { return Ok(()) };
        let failed: Vec<&ValidationRule> = info.rules.iter().filter(|r| !r.passes(entity)).collect();
        if failed.is_empty() {
            return Ok(());
        }
        let mut body = entity.clone();
        for rule in failed {
            let (parents, field) = rule.path.split_at(rule.path.len() - 1);
            let entity_type = parents.last().cloned().unwrap_or_else(|| info.model.clone());
            let entity_id = get_path(entity, parents).and_then(entity_id).unwrap_or(0);
            let result = json!({
                "ID": 0,
                "Message": rule.message,
                "EntityType": entity_type,
                "EntityID": entity_id,
                "PropertyName": field[0],
                "Level": 3,
                "ComplexValidationRule": null,
                "EntityValidationRule": {
                    "EntityType": entity_type,
                    "PropertyName": field[0],
                    "Operator": rule.operator,
                    "Level": 3,
                    "Message": rule.message,
                },
            });
            let mut node = &mut body;
            for parent in parents {
                let Value::Object(map) = node else { break };
                let slot = map.entry(parent.clone()).or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                node = slot;
            }
            if let Value::Object(map) = node {
                let results = map.entry("_validationResults").or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(results) = results
                    && let Value::Array(list) =
                        results.entry(field[0].clone()).or_insert_with(|| Value::Array(Vec::new()))
                {
                    list.push(result);
                }
            }
        }
        Err(StoreError::Validation(body))
    }
}

/// Gives every nested record (an object, or an object in an array, under a navigation) without an
/// ID a new one.
/// A nested single record `Foo` with an ID also fills a missing or `null` foreign key `FooID`.
fn assign_child_ids(entity: &mut Value, next: &mut i64) {
    let Value::Object(map) = entity else { return };
    let mut foreign_keys = Vec::new();
    for (k, v) in map.iter_mut() {
        if !is_navigation(k, v) {
            continue;
        }
        let single = v.is_object();
        let children: Vec<&mut Value> = match v {
            Value::Array(items) => items.iter_mut().collect(),
            other => vec![other],
        };
        for child in children {
            if let Value::Object(c) = child {
                let id = ensure_id(c, next);
                if single {
                    foreign_keys.push((format!("{k}ID"), id));
                }
                assign_child_ids(child, next);
            }
        }
    }
    for (fk, id) in foreign_keys {
        let slot = map.entry(fk).or_insert(Value::Null);
        if slot.is_null() {
            *slot = json!(id);
        }
    }
}

fn entity_id_of_map(map: &Map<String, Value>) -> Option<i64> {
    crate::filter::get_field(map, "ID").and_then(Value::as_i64).filter(|id| *id != 0)
}

/// The record's ID, after giving it the next child ID if it has none.
fn ensure_id(record: &mut Map<String, Value>, next: &mut i64) -> i64 {
    if let Some(id) = entity_id_of_map(record) {
        return id;
    }
    let id = *next;
    *next += 1;
    record.insert("ID".into(), json!(id));
    id
}

fn is_deleted(v: &Value) -> bool {
    crate::query::field(v, "Deleted").and_then(Value::as_bool) == Some(true)
}

fn merge(stored: &mut Value, incoming: &Value, next: &mut i64) {
    let (Value::Object(target), Value::Object(source)) = (stored, incoming) else { return };
    for (k, v) in source {
        if k.eq_ignore_ascii_case("ID") {
            continue;
        }
        let existing_key = target.keys().find(|t| t.eq_ignore_ascii_case(k)).cloned();
        let Some(existing_key) = existing_key else {
            let mut v = v.clone();
            wrap_assign(k, &mut v, next);
            target.insert(k.clone(), v);
            continue;
        };
        let Some(slot) = target.get_mut(&existing_key) else { continue };
        match (&mut *slot, v) {
            (s, Value::Null) if is_navigation(&existing_key, s) => {}
            (s @ Value::Object(_), Value::Object(_)) => merge(s, v, next),
            (Value::Array(items), Value::Array(new_items)) => merge_children(items, new_items, next),
            (s, _) => {
                let mut v = v.clone();
                wrap_assign(k, &mut v, next);
                *s = v;
            }
        }
    }
}

fn wrap_assign(key: &str, value: &mut Value, next: &mut i64) {
    let mut holder = Value::Object(Map::from_iter([(key.to_owned(), value.take())]));
    assign_child_ids(&mut holder, next);
    if let Value::Object(mut m) = holder {
        *value = m.remove(key).unwrap_or(Value::Null);
    }
}

fn merge_children(items: &mut Vec<Value>, incoming: &[Value], next: &mut i64) {
    for new in incoming {
        let existing = entity_id(new).and_then(|id| items.iter().position(|i| entity_id(i) == Some(id)));
        match existing {
            Some(pos) if is_deleted(new) => {
                items.remove(pos);
            }
            Some(pos) => merge(&mut items[pos], new, next),
            None if is_deleted(new) => {}
            None => {
                let mut child = new.clone();
                if let Value::Object(c) = &mut child {
                    ensure_id(c, next);
                }
                assign_child_ids(&mut child, next);
                items.push(child);
            }
        }
    }
}

/// A UTC timestamp as the platform writes `CreatedAt`: `2024-05-01T12:34:56.789Z`.
pub(crate) fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const CO: &str = "C0";

    fn author() -> Author<'static> {
        Author { user: "client", at: UNIX_EPOCH + Duration::from_millis(1_714_566_896_789) }
    }

    #[test]
    fn timestamps_are_utc_iso() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(author().at), "2024-05-01T12:34:56.789Z");
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn create_assigns_ids_and_stamps() {
        let mut store = Store::default();
        store.seed(CO, "customers", json!({"ID": 41, "Name": "Seeded"}));
        let created = store
            .create(
                CO,
                "customers",
                json!({"ID": 5, "Name": "New", "Info": {"Name": "New", "Emails": [{"EmailAddress": "a@b"}]}}),
                author(),
            )
            .unwrap();
        assert_eq!(created["ID"], 42, "the client's ID is ignored");
        assert_eq!(created["CreatedBy"], "client");
        assert_eq!(created["CreatedAt"], "2024-05-01T12:34:56.789Z");
        assert!(created["Info"]["ID"].as_i64().unwrap() >= 1000);
        assert_eq!(created["InfoID"], created["Info"]["ID"], "the foreign key is filled");
        assert!(created["Info"]["Emails"][0]["ID"].as_i64().unwrap() >= 1000);
        assert_eq!(store.get(CO, "Customers", 42), Some(&created), "routes are case-insensitive");
        assert_eq!(store.list("other", "customers").count(), 0);
    }

    #[test]
    fn createguid_is_idempotency_key() {
        let mut store = Store::default();
        store.create(CO, "customers", json!({"_createguid": "g1"}), author()).unwrap();
        let Err(StoreError::BadRequest(m)) =
            store.create(CO, "customers", json!({"_createguid": "g1"}), author())
        else {
            panic!("duplicate accepted")
        };
        assert!(m.contains("g1"), "{m}");
    }

    #[test]
    fn update_merges_and_keeps_unsent_fields() {
        let mut store = Store::default();
        store.seed(
            CO,
            "customers",
            json!({"ID": 1, "Name": "A", "Extra": "kept", "Info": {"ID": 7, "Name": "A",
                   "Emails": [{"ID": 1, "EmailAddress": "old@x"}, {"ID": 2, "EmailAddress": "gone@x"}]}}),
        );
        let updated = store
            .update(
                CO,
                "customers",
                1,
                json!({"ID": 1, "name": "B", "Info": {"Emails": [
                    {"ID": 1, "EmailAddress": "new@x"}, {"ID": 2, "Deleted": true}, {"EmailAddress": "added@x"}]}}),
                author(),
            )
            .unwrap();
        assert_eq!(updated["Name"], "B", "names match case-insensitively");
        assert_eq!(updated["Extra"], "kept");
        assert_eq!(updated["Info"]["Name"], "A");
        let emails = updated["Info"]["Emails"].as_array().unwrap();
        assert_eq!(emails.len(), 2);
        assert_eq!(emails[0]["EmailAddress"], "new@x");
        assert_eq!(emails[1]["EmailAddress"], "added@x");
        assert!(emails[1]["ID"].as_i64().unwrap() >= 1000);
        let kept = store.update(CO, "customers", 1, json!({"Info": null}), author()).unwrap();
        assert_eq!(kept["Info"]["ID"], 7, "a null navigation means not loaded");
        assert!(matches!(store.update(CO, "customers", 9, json!({}), author()), Err(StoreError::NotFound)));
        assert!(matches!(
            store.update(CO, "customers", 1, json!({"ID": 2}), author()),
            Err(StoreError::BadRequest(_))
        ));
        assert!(store.delete(CO, "customers", 1).is_ok());
        assert!(matches!(store.delete(CO, "customers", 1), Err(StoreError::NotFound)));
    }

    #[test]
    fn validation_results_are_placed_where_the_field_is() {
        let mut store = Store::default();
        store.add_rule("customers", ValidationRule::required("Info.Name"));
        store.add_rule("customers", ValidationRule::max_length("OrgNumber", 9));
        let Err(StoreError::Validation(body)) = store.create(
            CO,
            "customers",
            json!({"OrgNumber": "1234567890", "Info": {"Name": " "}}),
            author(),
        ) else {
            panic!("invalid entity accepted")
        };
        let org = &body["_validationResults"]["OrgNumber"][0];
        assert_eq!(org["Message"], "OrgNumber can be at most 9 characters");
        assert_eq!(org["EntityType"], "Customer");
        assert_eq!(body["Info"]["_validationResults"]["Name"][0]["Message"], "Name is required");
        assert_eq!(store.list(CO, "customers").count(), 0, "nothing stored");
        store.seed(CO, "customers", json!({"ID": 1, "OrgNumber": "1", "Info": {"Name": "ok"}}));
        assert!(matches!(
            store.update(CO, "customers", 1, json!({"Info": {"Name": null}}), author()),
            Err(StoreError::Validation(_))
        ));
        let custom =
            ValidationRule::custom("CreditDays", "no", |v| v.and_then(Value::as_i64).is_none_or(|d| d >= 0));
        store.add_rule("customers", custom.message("Credit days can't be negative"));
        let Err(StoreError::Validation(body)) =
            store.update(CO, "customers", 1, json!({"CreditDays": -1}), author())
        else {
            panic!()
        };
        assert_eq!(body["_validationResults"]["CreditDays"][0]["Message"], "Credit days can't be negative");
    }

    #[test]
    fn models_and_routes() {
        let mut store = Store::default();
        assert_eq!(store.route_of_model("customer").as_deref(), Some("customers"));
        assert_eq!(store.route_of_model("CustomerInvoice").as_deref(), Some("invoices"));
        assert!(!store.is_route("widgets"));
        store.seed(CO, "Widgets", json!({"Name": "w"}));
        assert!(store.is_route("widgets"));
        assert_eq!(store.route_of_model("widgets").as_deref(), Some("widgets"));
        store.register_route("widgets", Some("Widget"));
        assert_eq!(store.route_of_model("Widget").as_deref(), Some("widgets"));
    }
}
