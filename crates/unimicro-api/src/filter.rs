//! A typed builder for the API's `filter=` expressions, safe for user input.
//!
//! Every value is rendered as a literal — strings quoted with `'` doubled — so a value can never change
//! the meaning of the expression it sits in, whatever it contains.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// A filter expression for list, statistics and stream queries (`filter=` in the API).
///
/// Build one from comparisons and combine them; values are escaped, so text from a user is safe:
///
/// ```
/// use unimicro_api::Filter;
///
/// let name = "O'Brien & Sons"; // e.g. from a search box
/// let filter = Filter::contains("Info.Name", name)
///     .and(Filter::ge("CustomerNumber", 10000))
///     .and(Filter::eq("StatusCode", 30001).or(Filter::eq("StatusCode", 50001)));
/// assert_eq!(
///     filter.to_string(),
///     "contains(Info.Name,'O''Brien & Sons') and CustomerNumber ge 10000 \
///      and (StatusCode eq 30001 or StatusCode eq 50001)"
/// );
/// ```
///
/// # Field names
///
/// A field is a property name or a dotted path into expanded navigations (`Info.Name`,
/// `Account.AccountNumber`): ASCII letters, digits and `_`, segments separated by single dots. The
/// constructors take any string and never fail, so filters compose without `?`; a malformed field
/// name is reported when the filter is used — sending a request with it fails with
/// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent — or by
/// [`Filter::validate`]. `Display` renders the expression as built, without that check: call
/// [`Filter::validate`] first if you put the string somewhere yourself and the field names came from
/// outside your code.
///
/// # Precedence
///
/// Combinations are parenthesized as the expression tree requires (`not` binds tighter than `and`,
/// which binds tighter than `or`), so `a.or(b).and(c)` means `(a or b) and c`.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Filter {
    node: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Compare { field: String, op: &'static str, value: FilterValue },
    Call { func: &'static str, field: String, value: FilterValue },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Raw(String),
}

// Binding strength, loosest first. An operand weaker than its context needs parentheses.
const OR: u8 = 1;
const AND: u8 = 2;
const COMPARE: u8 = 3;
const PRIMARY: u8 = 4;

impl Node {
    fn precedence(&self) -> u8 {
        match self {
            Node::Or(_) => OR,
            Node::And(_) => AND,
            Node::Compare { .. } | Node::Not(_) => COMPARE,
            Node::Call { .. } => PRIMARY,
            // Unknown text: parenthesized whenever it is an operand.
            Node::Raw(_) => 0,
        }
    }

    fn render(&self, out: &mut String) {
        match self {
            Node::Compare { field, op, value } => {
                let _ = write!(out, "{field} {op} ");
                value.render(out);
            }
            Node::Call { func, field, value } => {
                let _ = write!(out, "{func}({field},");
                value.render(out);
                out.push(')');
            }
            Node::And(items) => Self::render_list(items, " and ", AND, out),
            Node::Or(items) => Self::render_list(items, " or ", OR, out),
            Node::Not(inner) => {
                out.push_str("not ");
                inner.render_operand(PRIMARY, out);
            }
            Node::Raw(text) => out.push_str(text),
        }
    }

    fn render_list(items: &[Node], sep: &str, at: u8, out: &mut String) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            item.render_operand(at, out);
        }
    }

    fn render_operand(&self, context: u8, out: &mut String) {
        if self.precedence() < context {
            out.push('(');
            self.render(out);
            out.push(')');
        } else {
            self.render(out);
        }
    }

    fn first_problem(&self) -> Option<String> {
        match self {
            Node::Compare { field, value, .. } | Node::Call { field, value, .. } => {
                field_problem(field).or_else(|| value.problem())
            }
            Node::And(items) | Node::Or(items) => items.iter().find_map(Node::first_problem),
            Node::Not(inner) => inner.first_problem(),
            Node::Raw(text) if text.trim().is_empty() => {
                Some("a raw filter is empty; leave the filter out instead".to_owned())
            }
            Node::Raw(_) => None,
        }
    }
}

/// Why `field` is not a valid field path, or `None` if it is.
pub(crate) fn field_problem(field: &str) -> Option<String> {
    let segment_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if field.split('.').all(segment_ok) {
        None
    } else {
        Some(format!(
            "invalid field name {field:?}: use a property name or a dotted path of them \
             (ASCII letters, digits and `_`, e.g. `Info.Name`); for anything else use Filter::raw"
        ))
    }
}

impl Filter {
    fn compare(field: impl Into<String>, op: &'static str, value: impl Into<FilterValue>) -> Self {
        Self { node: Node::Compare { field: field.into(), op, value: value.into() } }
    }

    fn call(func: &'static str, field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self { node: Node::Call { func, field: field.into(), value: value.into() } }
    }

    /// `field eq value`: equal to (with `None` / [`FilterValue::null`]: is null).
    pub fn eq(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, "eq", value)
    }
    /// `field ne value`: not equal to (with `None` / [`FilterValue::null`]: is not null).
    pub fn ne(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, "ne", value)
    }
    /// `field gt value`: greater than.
    pub fn gt(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, "gt", value)
    }
    /// `field ge value`: greater than or equal to.
    pub fn ge(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, "ge", value)
    }
    /// `field lt value`: less than.
    pub fn lt(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, "lt", value)
    }
    /// `field le value`: less than or equal to.
    pub fn le(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::compare(field, "le", value)
    }
    /// `contains(field,value)`: the field's text contains `value` (case-insensitive on the platform).
    pub fn contains(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::call("contains", field, value)
    }
    /// `startswith(field,value)`: the field's text starts with `value`.
    pub fn startswith(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::call("startswith", field, value)
    }
    /// `endswith(field,value)`: the field's text ends with `value`.
    pub fn endswith(field: impl Into<String>, value: impl Into<FilterValue>) -> Self {
        Self::call("endswith", field, value)
    }

    /// An expression used exactly as given, **without any escaping or checking**.
    ///
    /// For what the builder can't express (`year(InvoiceDate) eq 2024`, `like`, …). Never put
    /// unescaped user input in it: use [`FilterValue`]'s `Display` (`FilterValue::from(input).to_string()`) to
    /// render a literal safely inside a raw expression. When combined with other filters it is
    /// parenthesized, so it stays one operand.
    pub fn raw(expression: impl Into<String>) -> Self {
        Self { node: Node::Raw(expression.into()) }
    }

    /// `self and other`.
    pub fn and(self, other: Filter) -> Self {
        Self { node: join(self.node, other.node, true) }
    }

    /// `self or other`.
    pub fn or(self, other: Filter) -> Self {
        Self { node: join(self.node, other.node, false) }
    }

    /// `not self`. (A method, not `std::ops::Not`, to read like the expression it builds.)
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Self {
        Self { node: Node::Not(Box::new(self.node)) }
    }

    /// All of `filters` joined with `and`; `None` if there are none.
    ///
    /// Handy for optional search criteria:
    /// ```
    /// # use unimicro_api::Filter;
    /// let name: Option<&str> = Some("Nordmann");
    /// let city: Option<&str> = None;
    /// let filter = Filter::all(
    ///     [name.map(|n| Filter::contains("Info.Name", n)), city.map(|c| Filter::eq("Info.InvoiceAddress.City", c))]
    ///         .into_iter()
    ///         .flatten(),
    /// );
    /// assert_eq!(filter.unwrap().to_string(), "contains(Info.Name,'Nordmann')");
    /// ```
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Option<Self> {
        filters.into_iter().reduce(Filter::and)
    }

    /// Any of `filters` joined with `or`; `None` if there are none.
    pub fn any(filters: impl IntoIterator<Item = Filter>) -> Option<Self> {
        filters.into_iter().reduce(Filter::or)
    }

    /// Checks every field name and value (finite numbers, valid dates, non-empty raw parts).
    ///
    /// Requests run this before sending.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) naming the first problem found.
    pub fn validate(&self) -> crate::Result<()> {
        match self.node.first_problem() {
            None => Ok(()),
            Some(problem) => Err(crate::Error::InvalidInput(problem)),
        }
    }

    /// The expression after [`Filter::validate`]: the string to send as `filter=`.
    pub(crate) fn render_checked(&self) -> crate::Result<String> {
        self.validate()?;
        Ok(self.to_string())
    }
}

fn join(left: Node, right: Node, and: bool) -> Node {
    let mut items = Vec::new();
    for node in [left, right] {
        match node {
            Node::And(inner) if and => items.extend(inner),
            Node::Or(inner) if !and => items.extend(inner),
            other => items.push(other),
        }
    }
    if and { Node::And(items) } else { Node::Or(items) }
}

impl fmt::Display for Filter {
    /// The expression as sent in `filter=` (before URL encoding). Does not validate field names: see
    /// [`Filter::validate`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.node.render(&mut out);
        f.write_str(&out)
    }
}

/// A literal in a [`Filter`]: text, a number, a boolean, a date or `null`.
///
/// Made with `From`/`Into` from `&str`, `String`, `char`, the integer types, `f32`/`f64`, `bool`,
/// `Option<T>` (`None` is `null`), [`DateTime`](crate::DateTime) and [`FilterValue::date`]. To filter on your own type, implement
/// `From<YourType> for FilterValue` with one of these.
///
/// `Display` renders the literal exactly as it appears in a filter (`'O''Brien'`, `42`, `true`,
/// `'2024-01-31'`, `null`), which makes it the safe way to put a value into a [`Filter::raw`]
/// expression.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterValue(Repr);

#[derive(Debug, Clone, PartialEq)]
enum Repr {
    Text(String),
    Integer(i128),
    Float(f64),
    Bool(bool),
    Date { year: i32, month: u32, day: u32 },
    Null,
}

impl FilterValue {
    /// `null`.
    pub fn null() -> Self {
        Self(Repr::Null)
    }

    /// A calendar date, rendered as the API compares dates: a quoted `'YYYY-MM-DD'`.
    ///
    /// An impossible date (month 13, 30 February …) makes the filter fail validation with a message
    /// naming it, before anything is sent.
    pub fn date(year: i32, month: u32, day: u32) -> Self {
        Self(Repr::Date { year, month, day })
    }

    fn problem(&self) -> Option<String> {
        match self.0 {
            Repr::Float(x) if !x.is_finite() => {
                Some(format!("the number {x} can't be used in a filter: only finite numbers can"))
            }
            Repr::Date { year, month, day } if !date_is_valid(year, month, day) => Some(format!(
                "{year:04}-{month:02}-{day:02} is not a valid date (year 1–9999, month 1–12, a day that exists in that month)"
            )),
            _ => None,
        }
    }

    fn render(&self, out: &mut String) {
        match &self.0 {
            Repr::Text(s) => {
                out.push('\'');
                for c in s.chars() {
                    if c == '\'' {
                        out.push('\'');
                    }
                    out.push(c);
                }
                out.push('\'');
            }
            Repr::Integer(n) => {
                let _ = write!(out, "{n}");
            }
            // `Display` for floats never uses an exponent and always a `.`, whatever the locale.
            Repr::Float(x) => {
                let _ = write!(out, "{x}");
            }
            Repr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Repr::Date { year, month, day } => {
                let _ = write!(out, "'{year:04}-{month:02}-{day:02}'");
            }
            Repr::Null => out.push_str("null"),
        }
    }
}

fn date_is_valid(year: i32, month: u32, day: u32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=9999).contains(&year) && (1..=days).contains(&day)
}

impl fmt::Display for FilterValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.render(&mut out);
        f.write_str(&out)
    }
}

impl From<&str> for FilterValue {
    fn from(s: &str) -> Self {
        Self(Repr::Text(s.to_owned()))
    }
}
impl From<String> for FilterValue {
    fn from(s: String) -> Self {
        Self(Repr::Text(s))
    }
}
impl From<&String> for FilterValue {
    fn from(s: &String) -> Self {
        Self(Repr::Text(s.clone()))
    }
}
impl From<Cow<'_, str>> for FilterValue {
    fn from(s: Cow<'_, str>) -> Self {
        Self(Repr::Text(s.into_owned()))
    }
}
impl From<char> for FilterValue {
    fn from(c: char) -> Self {
        Self(Repr::Text(c.to_string()))
    }
}
impl From<&crate::DateTime> for FilterValue {
    /// The date or date-time as the API wrote it, quoted (`'2024-01-31'`, `'2024-01-31T10:00:00'`).
    fn from(d: &crate::DateTime) -> Self {
        Self(Repr::Text(d.as_str().to_owned()))
    }
}
impl From<crate::DateTime> for FilterValue {
    /// The date or date-time as the API wrote it, quoted (`'2024-01-31'`, `'2024-01-31T10:00:00'`).
    fn from(d: crate::DateTime) -> Self {
        Self::from(&d)
    }
}
impl From<bool> for FilterValue {
    fn from(b: bool) -> Self {
        Self(Repr::Bool(b))
    }
}
impl From<f64> for FilterValue {
    fn from(x: f64) -> Self {
        Self(Repr::Float(x))
    }
}
impl From<f32> for FilterValue {
    /// Converted through its shortest decimal form, so `0.1_f32` is `0.1`, not `0.100000001…`.
    fn from(x: f32) -> Self {
        Self(Repr::Float(x.to_string().parse().unwrap_or(f64::NAN)))
    }
}
impl<T: Into<FilterValue>> From<Option<T>> for FilterValue {
    fn from(v: Option<T>) -> Self {
        v.map_or_else(FilterValue::null, Into::into)
    }
}
macro_rules! integers {
    ($($t:ty),*) => {$(
        impl From<$t> for FilterValue {
            fn from(n: $t) -> Self {
                Self(Repr::Integer(i128::from(n)))
            }
        }
        impl From<&$t> for FilterValue {
            fn from(n: &$t) -> Self {
                Self(Repr::Integer(i128::from(*n)))
            }
        }
    )*};
}
integers!(i8, i16, i32, i64, u8, u16, u32, u64);

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: &Filter) -> String {
        f.to_string()
    }

    #[test]
    fn comparisons_render_each_operator() {
        assert_eq!(s(&Filter::eq("Name", "x")), "Name eq 'x'");
        assert_eq!(s(&Filter::ne("ID", 5)), "ID ne 5");
        assert_eq!(s(&Filter::gt("Amount", 1.5)), "Amount gt 1.5");
        assert_eq!(s(&Filter::ge("Amount", -3_i64)), "Amount ge -3");
        assert_eq!(s(&Filter::lt("Count", 7_u8)), "Count lt 7");
        assert_eq!(s(&Filter::le("Count", u64::MAX)), "Count le 18446744073709551615");
        assert_eq!(s(&Filter::eq("Active", true)), "Active eq true");
        assert_eq!(s(&Filter::eq("Locked", false)), "Locked eq false");
        assert_eq!(s(&Filter::eq("VatTypeID", None::<i32>)), "VatTypeID eq null");
        assert_eq!(s(&Filter::ne("VatTypeID", FilterValue::null())), "VatTypeID ne null");
        assert_eq!(s(&Filter::eq("VatTypeID", Some(6))), "VatTypeID eq 6");
        let id = 42_i64;
        let by_ref: FilterValue = (&id).into();
        assert_eq!(s(&Filter::eq("ID", by_ref)), "ID eq 42");
    }

    #[test]
    fn functions_render_with_the_field_first() {
        assert_eq!(s(&Filter::contains("Info.Name", "nord")), "contains(Info.Name,'nord')");
        assert_eq!(s(&Filter::startswith("Name", "A")), "startswith(Name,'A')");
        assert_eq!(s(&Filter::endswith("Name", "AS")), "endswith(Name,'AS')");
    }

    #[test]
    fn quotes_are_doubled_and_nothing_else_is_touched() {
        assert_eq!(s(&Filter::eq("Info.Name", "O'Brien")), "Info.Name eq 'O''Brien'");
        assert_eq!(s(&Filter::eq("Name", "''")), "Name eq ''''''");
        for raw in ["a & b", "100%", "1+1", "#1", "Ærlig Østby Åsen", "日本", "a\\b", "x\"y", "(a) or"] {
            assert_eq!(s(&Filter::eq("Name", raw)), format!("Name eq '{raw}'"));
        }
    }

    #[test]
    fn injection_attempts_stay_inside_the_literal() {
        let evil = "x' or '1' eq '1";
        let rendered = s(&Filter::eq("Name", evil));
        assert_eq!(rendered, "Name eq 'x'' or ''1'' eq ''1'");
        // Splitting on unpaired quotes leaves exactly one literal.
        let inner = rendered.strip_prefix("Name eq '").unwrap().strip_suffix('\'').unwrap();
        assert!(!inner.replace("''", "").contains('\''));
        let evil = "') or (1 eq 1";
        assert_eq!(s(&Filter::contains("Name", evil)), "contains(Name,''') or (1 eq 1')");
    }

    #[test]
    fn numbers_render_plainly_with_a_dot() {
        assert_eq!(FilterValue::from(0.1_f64).to_string(), "0.1");
        assert_eq!(FilterValue::from(1e21_f64).to_string(), "1000000000000000000000");
        assert_eq!(FilterValue::from(1e-7_f64).to_string(), "0.0000001");
        assert_eq!(FilterValue::from(2.0_f64).to_string(), "2");
        assert_eq!(FilterValue::from(0.1_f32).to_string(), "0.1");
        assert_eq!(FilterValue::from(i64::MIN).to_string(), "-9223372036854775808");
        assert_eq!(FilterValue::from('x').to_string(), "'x'");
        assert_eq!(FilterValue::from(String::from("a'")).to_string(), "'a'''");
    }

    #[test]
    fn dates_are_quoted_iso_and_checked() {
        assert_eq!(
            s(&Filter::ge("InvoiceDate", FilterValue::date(2024, 1, 5))),
            "InvoiceDate ge '2024-01-05'"
        );
        assert!(Filter::eq("D", FilterValue::date(2024, 2, 29)).validate().is_ok());
        let parsed: crate::DateTime = "2024-02-29T10:00:00".parse().unwrap();
        assert_eq!(FilterValue::from(&parsed).to_string(), "'2024-02-29T10:00:00'");
        for (y, m, d) in [(2023, 2, 29), (2024, 13, 1), (2024, 4, 31), (2024, 1, 0), (0, 1, 1)] {
            let err = Filter::eq("D", FilterValue::date(y, m, d)).validate().unwrap_err().to_string();
            assert!(err.contains("not a valid date"), "{err}");
        }
    }

    #[test]
    fn non_finite_numbers_fail_validation() {
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = Filter::eq("Amount", x).validate().unwrap_err().to_string();
            assert!(err.contains("finite"), "{err}");
        }
    }

    #[test]
    fn field_names_are_validated() {
        for ok in ["ID", "Info.Name", "Info.InvoiceAddress.City", "_x", "Dimension5ID"] {
            assert!(Filter::eq(ok, 1).validate().is_ok(), "{ok}");
        }
        for bad in ["", "Name eq 'x' or ID", "a..b", ".a", "a.", "Na me", "x)", "Ñame", "a'b", "a,b"] {
            let err = Filter::eq(bad, 1).validate().unwrap_err().to_string();
            assert!(err.contains("invalid field name"), "{bad}: {err}");
        }
        // Nested anywhere in the tree.
        let nested = Filter::eq("A", 1).and(Filter::contains("B", "x").or(Filter::eq("bad field", 2)).not());
        assert!(nested.validate().unwrap_err().to_string().contains("bad field"));
        assert_eq!(Filter::eq("ID", 1).render_checked().unwrap(), "ID eq 1");
        assert!(Filter::raw("  ").validate().is_err());
    }

    #[test]
    fn combinations_parenthesize_by_precedence() {
        let (a, b, c) = (Filter::eq("A", 1), Filter::eq("B", 2), Filter::eq("C", 3));
        assert_eq!(s(&a.clone().and(b.clone()).and(c.clone())), "A eq 1 and B eq 2 and C eq 3");
        assert_eq!(s(&a.clone().or(b.clone()).or(c.clone())), "A eq 1 or B eq 2 or C eq 3");
        assert_eq!(s(&a.clone().or(b.clone()).and(c.clone())), "(A eq 1 or B eq 2) and C eq 3");
        assert_eq!(s(&a.clone().and(b.clone()).or(c.clone())), "A eq 1 and B eq 2 or C eq 3");
        assert_eq!(s(&a.clone().and(b.clone().or(c.clone()))), "A eq 1 and (B eq 2 or C eq 3)");
        assert_eq!(s(&a.clone().not()), "not (A eq 1)");
        assert_eq!(s(&Filter::contains("N", "x").not()), "not contains(N,'x')");
        assert_eq!(s(&a.clone().and(b.clone()).not()), "not (A eq 1 and B eq 2)");
        assert_eq!(s(&a.clone().not().and(b.clone())), "not (A eq 1) and B eq 2");
        assert_eq!(s(&a.clone().not().not()), "not (not (A eq 1))");
        let grouped = a.clone().or(b.clone()).and(c.clone().or(Filter::eq("D", 4)));
        assert_eq!(s(&grouped), "(A eq 1 or B eq 2) and (C eq 3 or D eq 4)");
    }

    #[test]
    fn raw_is_verbatim_alone_and_parenthesized_as_an_operand() {
        assert_eq!(s(&Filter::raw("year(InvoiceDate) eq 2024")), "year(InvoiceDate) eq 2024");
        let combined = Filter::raw("x eq 1 or y eq 2").and(Filter::eq("Z", 3));
        assert_eq!(s(&combined), "(x eq 1 or y eq 2) and Z eq 3");
        assert_eq!(s(&Filter::raw("a eq 1").not()), "not (a eq 1)");
        let safe = format!("Name like {}", FilterValue::from("50% O'B"));
        assert_eq!(safe, "Name like '50% O''B'");
    }

    #[test]
    fn all_and_any_fold_optional_parts() {
        assert!(Filter::all([]).is_none());
        assert!(Filter::any(Vec::new()).is_none());
        let f = Filter::all([Filter::eq("A", 1), Filter::eq("B", 2)]).unwrap();
        assert_eq!(s(&f), "A eq 1 and B eq 2");
        let f = Filter::any([Filter::eq("A", 1), Filter::eq("B", 2).and(Filter::eq("C", 3))]).unwrap();
        assert_eq!(s(&f), "A eq 1 or B eq 2 and C eq 3");
    }
}
