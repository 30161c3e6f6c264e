//! `/api/statistics`: `model`, `select` with aliases and aggregates, `filter`, `orderby`, `top`, `skip`, `wrap`.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use crate::filter::{self, get_path};
use crate::query::{ListOptions, Query, sort_rows};
use crate::reply::Reply;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agg {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

#[derive(Debug)]
struct Column {
    /// `None` for `count(*)`.
    path: Option<Vec<String>>,
    agg: Option<Agg>,
    key: String,
    /// The expression as written (without alias), for `orderby`.
    source: String,
}

/// Answers a statistics query: `{"Success": true, "Data": [...]}`, or with `wrap=false` the bare array.
/// A query that can't run answers `{"Success": false, "Message": ...}` (with `wrap=false`: 400).
pub(crate) fn statistics(store: &Store, company: &str, query: &Query) -> Reply {
    let wrap = !query.get("wrap").is_some_and(|w| w.eq_ignore_ascii_case("false"));
    match run(store, company, query) {
        Ok(rows) if wrap => Reply::json(200, &json!({ "Success": true, "Message": "", "Data": rows })),
        Ok(rows) => Reply::json(200, &Value::Array(rows)),
        Err(message) if wrap => {
            Reply::json(200, &json!({ "Success": false, "Message": message, "Data": [] }))
        }
        Err(message) => Reply::message(400, message),
    }
}

fn run(store: &Store, company: &str, query: &Query) -> Result<Vec<Value>, String> {
    let model =
        query.non_empty("model").ok_or("The query parameter 'model' is required, e.g. model=Customer.")?;
    let route = store.route_of_model(model).ok_or_else(|| format!("The model '{model}' is unknown."))?;
    let model_name = store.model_of(&route).unwrap_or(model).to_owned();
    let select = query.non_empty("select").ok_or("The query parameter 'select' is required.")?;
    let columns = parse_select(select, &model_name)?;
    let options = ListOptions::from_query(query)?;
    let mut rows: Vec<&Value> = store
        .list(company, &route)
        .filter(|v| options.filter.as_ref().is_none_or(|f| f.matches(v)))
        .collect();
    let aggregated = columns.iter().any(|c| c.agg.is_some());
    let out = if aggregated {
        // Order the result rows by the columns the items name.
        let mut out = aggregate(&rows, &columns);
        let by_column: Vec<(Vec<String>, bool)> = options
            .orderby
            .iter()
            .map(|(path, desc)| Ok((vec![resolve(&columns, path)?], *desc)))
            .collect::<Result<_, String>>()?;
        sort_rows(&mut out, &by_column);
        out
    } else {
        // Order the source rows, reading an alias as the column it names.
        let by_path: Vec<(Vec<String>, bool)> = options
            .orderby
            .iter()
            .map(|(path, desc)| {
                let target = columns
                    .iter()
                    .find(|c| c.key.eq_ignore_ascii_case(&path.join(".")))
                    .and_then(|c| c.path.clone())
                    .unwrap_or_else(|| path.clone());
                (target, *desc)
            })
            .collect();
        sort_rows(&mut rows, &by_path);
        rows.iter()
            .map(|row| {
                let mut map = Map::new();
                for c in &columns {
                    let v = c.path.as_ref().and_then(|p| get_path(row, p)).cloned().unwrap_or(Value::Null);
                    map.insert(c.key.clone(), v);
                }
                Value::Object(map)
            })
            .collect()
    };
    Ok(out.into_iter().skip(options.skip).take(options.top.unwrap_or(usize::MAX)).collect())
}

/// The output key an `orderby` item names (by alias, key or expression).
fn resolve(columns: &[Column], path: &[String]) -> Result<String, String> {
    let name = path.join(".");
    columns
        .iter()
        .find(|c| c.key.eq_ignore_ascii_case(&name) || c.source.eq_ignore_ascii_case(&name))
        .map(|c| c.key.clone())
        .ok_or_else(|| format!("Cannot order by '{name}': order an aggregated query by one of its columns."))
}

/// Splits a select list on commas outside parentheses; `\,` is a literal comma.
fn split_select(select: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut chars = select.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                current.push(',');
                chars.next();
            }
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' => {
                depth -= 1;
                current.push(c);
            }
            ',' if depth <= 0 => items.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    items.push(current);
    items.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

fn parse_select(select: &str, model: &str) -> Result<Vec<Column>, String> {
    let mut columns = Vec::new();
    for item in split_select(select) {
        let lower = item.to_ascii_lowercase();
        let (expr, alias) = match lower.rfind(" as ") {
            Some(i) => (item[..i].trim(), Some(item[i + 4..].trim())),
            None => (item.as_str(), None),
        };
        if alias.is_some_and(|a| a.is_empty() || !a.chars().all(|c| c.is_alphanumeric() || c == '_')) {
            return Err(format!("The alias in '{item}' is invalid: use letters, digits and '_'."));
        }
        let (agg, path) = match expr.find('(') {
            Some(open) if expr.ends_with(')') => {
                let agg = match expr[..open].trim().to_ascii_lowercase().as_str() {
                    "count" => Agg::Count,
                    "sum" => Agg::Sum,
                    "avg" => Agg::Avg,
                    "min" => Agg::Min,
                    "max" => Agg::Max,
                    other => {
                        return Err(format!(
                            "The function '{other}' in '{item}' is not supported by unimicro-mock."
                        ));
                    }
                };
                let arg = expr[open + 1..expr.len() - 1].trim();
                let path = if arg == "*" && agg == Agg::Count { None } else { Some(field_path(arg, &item)?) };
                (Some(agg), path)
            }
            _ => (None, Some(field_path(expr, &item)?)),
        };
        let key = match (alias, agg, &path) {
            (Some(alias), _, _) => alias.to_owned(),
            (None, Some(agg), path) => {
                let name = format!("{agg:?}").to_ascii_lowercase();
                let arg = path.as_ref().map_or("".to_owned(), |p| p.concat().to_ascii_lowercase());
                format!("{name}{arg}")
            }
            (None, None, Some(path)) if path.len() == 1 => format!("{model}{}", path[0]),
            (None, None, path) => path.as_ref().map(|p| p.concat()).unwrap_or_default(),
        };
        columns.push(Column { path, agg, key, source: expr.to_owned() });
    }
    if columns.is_empty() {
        return Err("The select list is empty.".into());
    }
    Ok(columns)
}

fn field_path(s: &str, item: &str) -> Result<Vec<String>, String> {
    let path: Vec<String> = s.split('.').map(|p| p.trim().to_owned()).collect();
    if path.iter().any(|p| p.is_empty() || !p.chars().all(|c| c.is_alphanumeric() || c == '_')) {
        return Err(format!("'{item}' is not a field or a supported function of one."));
    }
    Ok(path)
}

/// Groups rows by the plain columns (in order of first appearance) and computes the aggregates.
fn aggregate(rows: &[&Value], columns: &[Column]) -> Vec<Value> {
    let mut groups: Vec<(Vec<Value>, Vec<&Value>)> = Vec::new();
    for row in rows {
        let key: Vec<Value> = columns
            .iter()
            .filter(|c| c.agg.is_none())
            .map(|c| c.path.as_ref().and_then(|p| get_path(row, p)).cloned().unwrap_or(Value::Null))
            .collect();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(row),
            None => groups.push((key, vec![row])),
        }
    }
    if groups.is_empty() && columns.iter().all(|c| c.agg.is_some()) {
        groups.push((Vec::new(), Vec::new()));
    }
    groups
        .into_iter()
        .map(|(key, members)| {
            let mut plain = key.into_iter();
            let mut map = Map::new();
            for c in columns {
                let value = match c.agg {
                    None => plain.next().unwrap_or(Value::Null),
                    Some(agg) => compute(agg, c.path.as_deref(), &members),
                };
                map.insert(c.key.clone(), value);
            }
            Value::Object(map)
        })
        .collect()
}

fn compute(agg: Agg, path: Option<&[String]>, members: &[&Value]) -> Value {
    let values: Vec<&Value> = match path {
        None => return json!(members.len()),
        Some(p) => members.iter().filter_map(|m| get_path(m, p)).filter(|v| !v.is_null()).collect(),
    };
    let numbers: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
    let all_ints = values.iter().all(|v| v.is_i64());
    match agg {
        Agg::Count => json!(values.len()),
        Agg::Sum if numbers.is_empty() => Value::Null,
        Agg::Sum if all_ints => json!(values.iter().filter_map(|v| v.as_i64()).sum::<i64>()),
        Agg::Sum => json!(numbers.iter().sum::<f64>()),
        Agg::Avg if numbers.is_empty() => Value::Null,
        Agg::Avg => json!(numbers.iter().sum::<f64>() / numbers.len() as f64),
        Agg::Min | Agg::Max => {
            let pick = if agg == Agg::Min { Ordering::Less } else { Ordering::Greater };
            values
                .into_iter()
                .reduce(|best, v| if filter::compare(v, best) == Some(pick) { v } else { best })
                .cloned()
                .unwrap_or(Value::Null)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    const CO: &str = "co";

    fn store() -> Store {
        let mut store = Store::default();
        for (i, (name, status, amount)) in
            [("A", 42002, 100), ("B", 42004, 250), ("C", 42002, 50), ("D", 42006, 10)].into_iter().enumerate()
        {
            store.seed(
                CO,
                "invoices",
                json!({"ID": i + 1, "CustomerName": name, "StatusCode": status, "TaxInclusiveAmount": amount,
                       "Customer": {"Info": {"Name": format!("Info {name}")}}}),
            );
        }
        store
    }

    fn query(q: &str) -> Query {
        Query::parse(&Url::parse(&format!("http://x/api/statistics?{q}")).unwrap())
    }

    fn data(q: &str) -> Vec<Value> {
        run(&store(), CO, &query(q)).unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    #[test]
    fn counts_with_filter_and_aliases() {
        assert_eq!(data("model=CustomerInvoice&select=count(ID) as Count"), [json!({"Count": 4})]);
        assert_eq!(
            data("model=customerinvoice&select=count(ID) as Count&filter=StatusCode eq 42002"),
            [json!({"Count": 2})]
        );
        assert_eq!(data("model=CustomerInvoice&select=count(ID)&filter=ID gt 99"), [json!({"countid": 0})]);
        assert_eq!(
            data(
                "model=CustomerInvoice&select=sum(TaxInclusiveAmount) as Sum,max(CustomerName) as Last,avg(TaxInclusiveAmount) as Avg"
            ),
            [json!({"Sum": 410, "Last": "D", "Avg": 102.5})]
        );
    }

    #[test]
    fn group_by_plain_columns_and_order() {
        assert_eq!(
            data(
                "model=CustomerInvoice&select=StatusCode,count(ID) as N,sum(TaxInclusiveAmount) as Total&orderby=N desc,StatusCode"
            ),
            [
                json!({"CustomerInvoiceStatusCode": 42002, "N": 2, "Total": 150}),
                json!({"CustomerInvoiceStatusCode": 42004, "N": 1, "Total": 250}),
                json!({"CustomerInvoiceStatusCode": 42006, "N": 1, "Total": 10}),
            ]
        );
    }

    #[test]
    fn plain_rows_with_paths_paging_and_escaped_commas() {
        assert_eq!(
            data("model=CustomerInvoice&select=ID,Customer.Info.Name as Name&orderby=Name desc&top=2&skip=1"),
            [
                json!({"CustomerInvoiceID": 3, "Name": "Info C"}),
                json!({"CustomerInvoiceID": 2, "Name": "Info B"})
            ]
        );
        assert_eq!(split_select(r"a,casewhen(x\,1\,2) as b, c"), ["a", "casewhen(x,1,2) as b", "c"]);
    }

    #[test]
    fn errors_are_unsuccessful_answers() {
        let s = store();
        for (q, needle) in [
            ("select=count(ID)", "'model'"),
            ("model=Nope&select=count(ID)", "'Nope'"),
            ("model=CustomerInvoice", "'select'"),
            ("model=CustomerInvoice&select=median(ID)", "median"),
            ("model=CustomerInvoice&select=count(ID) as N&orderby=Other", "Other"),
            ("model=CustomerInvoice&select=ID&filter=ID eq", "filter"),
        ] {
            let e = run(&s, CO, &query(q)).unwrap_err();
            assert!(e.contains(needle), "{q}: {e}");
        }
        let wrapped = statistics(&s, CO, &query("model=Nope&select=ID"));
        assert_eq!(wrapped.status, 200);
        let bare = statistics(&s, CO, &query("model=Nope&select=ID&wrap=false"));
        assert_eq!(bare.status, 400);
    }
}
