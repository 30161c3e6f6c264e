//! List query options (`filter`, `select`, `expand`, `orderby`, `top`, `skip`) and how they shape entities.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Map, Value};
use url::Url;

use crate::filter::{self, Expr, get_entry, get_field, get_path};

/// The query string with parameter names lower-cased (the platform treats `orderBy` and `orderby`
/// alike). The first occurrence of a name wins.
#[derive(Debug, Default)]
pub(crate) struct Query {
    params: Vec<(String, String)>,
}

impl Query {
    pub(crate) fn parse(url: &Url) -> Self {
        Self { params: url.query_pairs().map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned())).collect() }
    }

    /// The value of `name` (lower-case), if present.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The value of `name`, `None` when absent or blank.
    pub(crate) fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// Navigations to include, by lower-cased name, each with its own nested expansions.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct ExpandTree(BTreeMap<String, ExpandTree>);

impl ExpandTree {
    /// Parses `A,B.C, D` into a tree.
    pub(crate) fn parse(expand: &str) -> Self {
        let mut tree = ExpandTree::default();
        for item in expand.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let mut node = &mut tree;
            for segment in item.split('.') {
                node = node.0.entry(segment.to_ascii_lowercase()).or_default();
            }
        }
        tree
    }

    fn get(&self, name: &str) -> Option<&ExpandTree> {
        self.0.get(&name.to_ascii_lowercase())
    }
}

/// Whether a field is a navigation (a related entity or collection), which the platform only
/// returns when expanded. `CustomValues` is a plain object, not a navigation.
pub(crate) fn is_navigation(key: &str, value: &Value) -> bool {
    !key.eq_ignore_ascii_case("CustomValues") && (value.is_object() || value.is_array())
}

/// The options of one list (or single-entity) request.
#[derive(Debug, Default)]
pub(crate) struct ListOptions {
    pub(crate) filter: Option<Expr>,
    pub(crate) select: Option<Vec<Vec<String>>>,
    pub(crate) expand: ExpandTree,
    pub(crate) orderby: Vec<(Vec<String>, bool)>,
    pub(crate) top: Option<usize>,
    pub(crate) skip: usize,
}

impl ListOptions {
    /// Reads the options from the query; the error is a message for the 400 answer.
    pub(crate) fn from_query(query: &Query) -> Result<Self, String> {
        let filter = match query.non_empty("filter") {
            Some(src) => Some(
                filter::parse(src).map_err(|e| format!("The filter expression '{src}' is invalid: {e}."))?,
            ),
            None => None,
        };
        let select = query.non_empty("select").map(|s| {
            s.split(',').map(str::trim).filter(|f| !f.is_empty()).map(split_path).collect::<Vec<_>>()
        });
        let expand = query.get("expand").map(ExpandTree::parse).unwrap_or_default();
        let orderby = match query.non_empty("orderby") {
            Some(s) => parse_orderby(s)?,
            None => Vec::new(),
        };
        let number = |name: &str| -> Result<Option<usize>, String> {
            match query.non_empty(name) {
                None => Ok(None),
                Some(v) => v.parse::<usize>().map(Some).map_err(|_| {
                    format!("The query parameter '{name}' must be a non-negative integer, not '{v}'.")
                }),
            }
        };
        Ok(Self { filter, select, expand, orderby, top: number("top")?, skip: number("skip")?.unwrap_or(0) })
    }

    /// Filters, orders and pages `items` (in ID order to start with), then shapes each one.
    pub(crate) fn apply<'a>(&self, items: impl Iterator<Item = &'a Value>) -> Vec<Value> {
        let mut rows: Vec<&Value> =
            items.filter(|v| self.filter.as_ref().is_none_or(|f| f.matches(v))).collect();
        sort_rows(&mut rows, &self.orderby);
        rows.into_iter().skip(self.skip).take(self.top.unwrap_or(usize::MAX)).map(|v| self.shape(v)).collect()
    }

    /// Applies `expand` and `select` to one entity.
    pub(crate) fn shape(&self, entity: &Value) -> Value {
        let expanded = expand_view(entity, &self.expand);
        match &self.select {
            Some(paths) => select_view(&expanded, paths),
            None => expanded,
        }
    }
}

fn split_path(s: &str) -> Vec<String> {
    s.split('.').map(|p| p.trim().to_owned()).collect()
}

/// Parses `Name desc, ID` into (path, descending) pairs.
fn parse_orderby(s: &str) -> Result<Vec<(Vec<String>, bool)>, String> {
    let mut out = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let mut words = item.split_whitespace();
        let field = words.next().unwrap_or_default();
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(format!(
                    "The orderby item '{item}' is invalid: expected 'asc' or 'desc' after the field, found '{other}'."
                ));
            }
        };
        if words.next().is_some() {
            return Err(format!(
                "The orderby item '{item}' is invalid: write 'Field', 'Field asc' or 'Field desc'."
            ));
        }
        out.push((split_path(field), desc));
    }
    Ok(out)
}

/// Stable sort by the given keys (`null` first when ascending, as SQL Server does).
pub(crate) fn sort_rows<T: Borrow<Value>>(rows: &mut [T], orderby: &[(Vec<String>, bool)]) {
    if orderby.is_empty() {
        return;
    }
    rows.sort_by(|a, b| {
        for (path, desc) in orderby {
            let x = get_path(a.borrow(), path).unwrap_or(&Value::Null);
            let y = get_path(b.borrow(), path).unwrap_or(&Value::Null);
            let ord = filter::compare(x, y).unwrap_or(Ordering::Equal);
            let ord = if *desc { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
}

/// The entity with every navigation that isn't expanded set to `null`, recursively.
pub(crate) fn expand_view(value: &Value, tree: &ExpandTree) -> Value {
    let Value::Object(map) = value else { return value.clone() };
    let mut out = Map::with_capacity(map.len());
    for (key, field) in map {
        let shaped = if is_navigation(key, field) {
            match (tree.get(key), field) {
                (None, _) => Value::Null,
                (Some(sub), Value::Array(items)) => {
                    Value::Array(items.iter().map(|i| expand_view(i, sub)).collect())
                }
                (Some(sub), _) => expand_view(field, sub),
            }
        } else {
            field.clone()
        };
        out.insert(key.clone(), shaped);
    }
    Value::Object(out)
}

/// Only the selected (dotted) paths of an entity, keeping the entity's own spelling of names.
fn select_view(value: &Value, paths: &[Vec<String>]) -> Value {
    let mut out = Map::new();
    'paths: for path in paths {
        let Some((keys, selected)) = lookup(value, path) else { continue };
        let Some((last, parents)) = keys.split_last() else { continue };
        let mut node = &mut out;
        for key in parents {
            let slot = node.entry((*key).clone()).or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(map) = slot else { continue 'paths };
            node = map;
        }
        node.insert((*last).clone(), selected.clone());
    }
    Value::Object(out)
}

/// The value at `path` and the entity's own spelling of each name on the way; `None` when missing.
fn lookup<'a>(value: &'a Value, path: &[String]) -> Option<(Vec<&'a String>, &'a Value)> {
    let mut keys = Vec::with_capacity(path.len());
    let mut current = value;
    for segment in path {
        let (key, next) = get_entry(current.as_object()?, segment)?;
        keys.push(key);
        current = next;
    }
    Some((keys, current))
}

/// A field of an entity by name, case-insensitively (re-exported for the other modules).
pub(crate) fn field<'a>(entity: &'a Value, name: &str) -> Option<&'a Value> {
    get_field(entity.as_object()?, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(query: &str) -> Result<ListOptions, String> {
        ListOptions::from_query(&Query::parse(&Url::parse(&format!("http://x/?{query}")).unwrap()))
    }

    fn rows() -> Vec<Value> {
        (1..=5)
            .map(|i| {
                json!({"ID": i, "Name": format!("n{}", 6 - i), "Group": i % 2, "CustomValues": {},
                       "Info": {"ID": 100 + i, "Name": format!("info{i}"), "DefaultEmail": {"ID": 1, "EmailAddress": "a@b"}},
                       "Items": [{"ID": 1, "Product": {"ID": 9}}]})
            })
            .collect()
    }

    #[test]
    fn names_are_case_insensitive_and_first_wins() {
        let q = Query::parse(&Url::parse("http://x/?orderBy=Name&TOP=2&top=9").unwrap());
        assert_eq!(q.get("orderby"), Some("Name"));
        assert_eq!(q.get("top"), Some("2"));
    }

    #[test]
    fn paging_and_ordering() {
        let data = rows();
        let ids = |q: &str| -> Vec<i64> {
            opts(q).unwrap().apply(data.iter()).iter().map(|v| v["ID"].as_i64().unwrap()).collect()
        };
        assert_eq!(ids(""), [1, 2, 3, 4, 5]);
        assert_eq!(ids("top=2&skip=1"), [2, 3]);
        assert_eq!(ids("skip=4&top=10"), [5]);
        assert_eq!(ids("skip=9"), Vec::<i64>::new());
        assert_eq!(ids("orderby=Name"), [5, 4, 3, 2, 1]);
        assert_eq!(ids("orderby=Group desc, ID desc"), [5, 3, 1, 4, 2]);
        assert_eq!(ids("orderby=info.name desc&top=1"), [5]);
        assert_eq!(ids("filter=Group eq 0&orderby=ID desc"), [4, 2]);
        assert!(opts("top=-1").unwrap_err().contains("'top'"));
        assert!(opts("skip=x").unwrap_err().contains("'skip'"));
        assert!(opts("orderby=Name sideways").unwrap_err().contains("asc"));
        assert!(opts("filter=Name eq").unwrap_err().contains("invalid"));
    }

    #[test]
    fn navigations_only_when_expanded() {
        let data = rows();
        let plain = opts("").unwrap().shape(&data[0]);
        assert_eq!(plain["Info"], Value::Null);
        assert_eq!(plain["Items"], Value::Null);
        assert_eq!(plain["CustomValues"], json!({}));
        let one = opts("expand=Info").unwrap().shape(&data[0]);
        assert_eq!(one["Info"]["Name"], "info1");
        assert_eq!(one["Info"]["DefaultEmail"], Value::Null);
        let deep = opts("expand=info.DefaultEmail,Items.Product").unwrap().shape(&data[0]);
        assert_eq!(deep["Info"]["DefaultEmail"]["EmailAddress"], "a@b");
        assert_eq!(deep["Items"][0]["Product"]["ID"], 9);
    }

    #[test]
    fn select_keeps_only_named_fields() {
        let data = rows();
        let v = opts("select=id, name,Nope").unwrap().shape(&data[0]);
        assert_eq!(v, json!({"ID": 1, "Name": "n5"}));
        let v = opts("select=ID,Info.Name&expand=Info").unwrap().shape(&data[0]);
        assert_eq!(v, json!({"ID": 1, "Info": {"Name": "info1"}}));
        let v = opts("select=Info.Name").unwrap().shape(&data[0]);
        assert_eq!(v, json!({}), "a navigation that isn't expanded can't be selected into");
    }
}
