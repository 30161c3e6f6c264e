//! The platform's `filter` language: a parser and an evaluator over JSON entities.
//!
//! Grammar (keywords and function names case-insensitive):
//!
//! ```text
//! or     := and ("or" and)*
//! and    := unary ("and" unary)*
//! unary  := "not" unary | cmp
//! cmp    := term (("eq"|"ne"|"gt"|"ge"|"lt"|"le"|"like"|"notlike") term)?
//! term   := "(" or ")" | literal | name "(" args ")" | path
//! literal:= 'text with '' for a quote' | number | true | false | null
//! path   := Name("." Name)*
//! ```
//!
//! Like the platform's SQL backend, text compares case-insensitively, and a missing field is `null`.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Number, Value};

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Literal(Value),
    Path(Vec<String>),
    Call(Func, Vec<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    NotLike,
}

/// A function usable in filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Contains,
    StartsWith,
    EndsWith,
    ToLower,
    ToUpper,
    Year,
    Month,
    Day,
}

impl Func {
    fn from_name(name: &str) -> Option<(Self, usize)> {
        Some(match name.to_ascii_lowercase().as_str() {
            "contains" => (Func::Contains, 2),
            "startswith" => (Func::StartsWith, 2),
            "endswith" => (Func::EndsWith, 2),
            "tolower" => (Func::ToLower, 1),
            "toupper" => (Func::ToUpper, 1),
            "year" => (Func::Year, 1),
            "month" => (Func::Month, 1),
            "day" => (Func::Day, 1),
            _ => return None,
        })
    }
}

/// Why a filter could not be parsed: a message and the character position it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError {
    pub(crate) message: String,
    pub(crate) position: usize,
}

impl FilterError {
    fn at(position: usize, message: impl Into<String>) -> Self {
        Self { message: message.into(), position }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Comma,
    Str(String),
    Num(Number),
    Ident(String),
}

fn tokenize(src: &str) -> Result<Vec<(Tok, usize)>, FilterError> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((Tok::LParen, pos));
                i += 1;
            }
            ')' => {
                out.push((Tok::RParen, pos));
                i += 1;
            }
            ',' => {
                out.push((Tok::Comma, pos));
                i += 1;
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(FilterError::at(pos, "unterminated string literal")),
                        Some((_, '\'')) if matches!(chars.get(i + 1), Some((_, '\''))) => {
                            text.push('\'');
                            i += 2;
                        }
                        Some((_, '\'')) => {
                            i += 1;
                            break;
                        }
                        Some((_, ch)) => {
                            text.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push((Tok::Str(text), pos));
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit())) =>
            {
                i += 1;
                while chars.get(i).is_some_and(|(_, d)| d.is_ascii_digit() || *d == '.') {
                    i += 1;
                }
                let end = chars.get(i).map_or(src.len(), |(p, _)| *p);
                let text = &src[pos..end];
                let number = text
                    .parse::<i64>()
                    .ok()
                    .map(Number::from)
                    .or_else(|| text.parse::<f64>().ok().and_then(Number::from_f64))
                    .ok_or_else(|| FilterError::at(pos, format!("`{text}` is not a number")))?;
                out.push((Tok::Num(number), pos));
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut end = i;
                while chars.get(end).is_some_and(|(_, d)| d.is_alphanumeric() || *d == '_' || *d == '.') {
                    end += 1;
                }
                let stop = chars.get(end).map_or(src.len(), |(p, _)| *p);
                out.push((Tok::Ident(src[pos..stop].to_owned()), pos));
                i = end;
            }
            other => return Err(FilterError::at(pos, format!("unexpected character `{other}`"))),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
    end: usize,
}

/// Parses a filter expression.
pub(crate) fn parse(src: &str) -> Result<Expr, FilterError> {
    let toks = tokenize(src)?;
    if toks.is_empty() {
        return Err(FilterError::at(0, "the filter is empty"));
    }
    let mut p = Parser { toks, i: 0, end: src.len() };
    let expr = p.or()?;
    if let Some((tok, pos)) = p.toks.get(p.i) {
        return Err(FilterError::at(*pos, format!("unexpected {}", describe(tok))));
    }
    Ok(expr)
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Str(s) => format!("string '{s}'"),
        Tok::Num(n) => format!("number {n}"),
        Tok::Ident(s) => format!("`{s}`"),
    }
}

impl Parser {
    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.i), Some((Tok::Ident(s), _)) if s.eq_ignore_ascii_case(kw))
    }

    fn position(&self) -> usize {
        self.toks.get(self.i).map_or(self.end, |(_, p)| *p)
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, FilterError> {
        Err(FilterError::at(self.position(), message))
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        self.joined("or", Self::and, Expr::Or)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        self.joined("and", Self::unary, Expr::And)
    }

    /// `operand (keyword operand)*`, joined from the left.
    fn joined(
        &mut self,
        keyword: &str,
        operand: fn(&mut Self) -> Result<Expr, FilterError>,
        join: fn(Box<Expr>, Box<Expr>) -> Expr,
    ) -> Result<Expr, FilterError> {
        let mut left = operand(self)?;
        while self.peek_keyword(keyword) {
            self.i += 1;
            let right = operand(self)?;
            left = join(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.peek_keyword("not") {
            self.i += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, FilterError> {
        let left = self.term()?;
        let op = match self.toks.get(self.i) {
            Some((Tok::Ident(s), _)) => match s.to_ascii_lowercase().as_str() {
                "eq" => CmpOp::Eq,
                "ne" => CmpOp::Ne,
                "gt" => CmpOp::Gt,
                "ge" => CmpOp::Ge,
                "lt" => CmpOp::Lt,
                "le" => CmpOp::Le,
                "like" => CmpOp::Like,
                "notlike" => CmpOp::NotLike,
                "and" | "or" => return Ok(left),
                other => {
                    return self.fail(format!(
                        "expected an operator (eq, ne, gt, ge, lt, le, like), found `{other}`"
                    ));
                }
            },
            _ => return Ok(left),
        };
        self.i += 1;
        let right = self.term()?;
        Ok(Expr::Cmp(op, Box::new(left), Box::new(right)))
    }

    fn term(&mut self) -> Result<Expr, FilterError> {
        let Some((tok, pos)) = self.toks.get(self.i).cloned() else {
            return self.fail("the expression ends too early");
        };
        self.i += 1;
        match tok {
            Tok::LParen => {
                let inner = self.or()?;
                self.expect(Tok::RParen, "`)`")?;
                Ok(inner)
            }
            Tok::Str(s) => Ok(Expr::Literal(Value::String(s))),
            Tok::Num(n) => Ok(Expr::Literal(Value::Number(n))),
            Tok::Ident(name) => {
                if matches!(self.toks.get(self.i), Some((Tok::LParen, _))) {
                    let Some((func, arity)) = Func::from_name(&name) else {
                        return Err(FilterError::at(pos, format!("unknown function `{name}`")));
                    };
                    self.i += 1;
                    let mut args = vec![self.or()?];
                    while matches!(self.toks.get(self.i), Some((Tok::Comma, _))) {
                        self.i += 1;
                        args.push(self.or()?);
                    }
                    self.expect(Tok::RParen, "`)`")?;
                    if args.len() != arity {
                        let message = format!("`{name}` takes {arity} argument(s), {} given", args.len());
                        return Err(FilterError::at(pos, message));
                    }
                    return Ok(Expr::Call(func, args));
                }
                match name.to_ascii_lowercase().as_str() {
                    "true" => Ok(Expr::Literal(Value::Bool(true))),
                    "false" => Ok(Expr::Literal(Value::Bool(false))),
                    "null" => Ok(Expr::Literal(Value::Null)),
                    "and" | "or" | "not" | "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "like" | "notlike" => {
                        Err(FilterError::at(pos, format!("expected a value, found `{name}`")))
                    }
                    _ => {
                        let path: Vec<String> = name.split('.').map(str::to_owned).collect();
                        if path.iter().any(String::is_empty) {
                            return Err(FilterError::at(pos, format!("`{name}` is not a field path")));
                        }
                        Ok(Expr::Path(path))
                    }
                }
            }
            other => Err(FilterError::at(pos, format!("expected a value, found {}", describe(&other)))),
        }
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), FilterError> {
        match self.toks.get(self.i) {
            Some((t, _)) if *t == tok => {
                self.i += 1;
                Ok(())
            }
            Some((t, _)) => self.fail(format!("expected {what}, found {}", describe(t))),
            None => self.fail(format!("expected {what} before the end")),
        }
    }
}

/// The field at a dotted path, matching names case-insensitively; `None` when missing.
pub(crate) fn get_path<'a, S: AsRef<str>>(value: &'a Value, path: &[S]) -> Option<&'a Value> {
    let mut current = value;
    for segment in path {
        current = get_field(current.as_object()?, segment.as_ref())?;
    }
    Some(current)
}

/// A field of an object by name: exact match first, then case-insensitive.
pub(crate) fn get_field<'a>(object: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    get_entry(object, name).map(|(_, value)| value)
}

/// A field of an object by name, with the object's own spelling of the name: exact match first,
/// then case-insensitive.
pub(crate) fn get_entry<'a>(
    object: &'a serde_json::Map<String, Value>,
    name: &str,
) -> Option<(&'a String, &'a Value)> {
    object.get_key_value(name).or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
}

impl Expr {
    /// Whether `entity` matches this expression.
    pub(crate) fn matches(&self, entity: &Value) -> bool {
        truthy(&self.eval(entity))
    }

    fn eval(&self, entity: &Value) -> Value {
        match self {
            Expr::Literal(v) => v.clone(),
            Expr::Path(path) => get_path(entity, path).cloned().unwrap_or(Value::Null),
            Expr::And(a, b) => Value::Bool(a.matches(entity) && b.matches(entity)),
            Expr::Or(a, b) => Value::Bool(a.matches(entity) || b.matches(entity)),
            Expr::Not(a) => Value::Bool(!a.matches(entity)),
            Expr::Cmp(op, a, b) => Value::Bool(compare_op(*op, &a.eval(entity), &b.eval(entity))),
            Expr::Call(func, args) => {
                let vals: Vec<Value> = args.iter().map(|a| a.eval(entity)).collect();
                call(*func, &vals)
            }
        }
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn call(func: Func, args: &[Value]) -> Value {
    let lower = |v: &Value| text(v).map(|s| s.to_lowercase());
    match func {
        Func::Contains | Func::StartsWith | Func::EndsWith => {
            let (Some(hay), Some(needle)) = (lower(&args[0]), lower(&args[1])) else {
                return Value::Bool(false);
            };
            Value::Bool(match func {
                Func::Contains => hay.contains(&needle),
                Func::StartsWith => hay.starts_with(&needle),
                _ => hay.ends_with(&needle),
            })
        }
        Func::ToLower => text(&args[0]).map_or(Value::Null, |s| Value::String(s.to_lowercase())),
        Func::ToUpper => text(&args[0]).map_or(Value::Null, |s| Value::String(s.to_uppercase())),
        Func::Year | Func::Month | Func::Day => {
            let Some(date) = args[0].as_str() else { return Value::Null };
            let range = match func {
                Func::Year => 0..4,
                Func::Month => 5..7,
                _ => 8..10,
            };
            date.get(range).and_then(|s| s.parse::<i64>().ok()).map_or(Value::Null, Value::from)
        }
    }
}

fn compare_op(op: CmpOp, a: &Value, b: &Value) -> bool {
    // `null` equals only `null` and never orders.
    let ordered =
        |holds: fn(Ordering) -> bool| !a.is_null() && !b.is_null() && compare(a, b).is_some_and(holds);
    match op {
        CmpOp::Eq => compare(a, b) == Some(Ordering::Equal),
        CmpOp::Ne => compare(a, b) != Some(Ordering::Equal),
        CmpOp::Gt => ordered(Ordering::is_gt),
        CmpOp::Ge => ordered(Ordering::is_ge),
        CmpOp::Lt => ordered(Ordering::is_lt),
        CmpOp::Le => ordered(Ordering::is_le),
        CmpOp::Like | CmpOp::NotLike => {
            let hit = match (text(a), text(b)) {
                (Some(s), Some(p)) => like(&s.to_lowercase(), &p.to_lowercase()),
                _ => false,
            };
            hit == (op == CmpOp::Like)
        }
    }
}

/// Orders two values as the platform's SQL backend would: numbers numerically (a text that is a number
/// compares with a number), text case-insensitively, `null` before everything; `None` when the two
/// can't be compared (e.g. an object and a number).
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    let num = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match (a, b) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Null, _) => Some(Ordering::Less),
        (_, Value::Null) => Some(Ordering::Greater),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::String(x), Value::String(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        (Value::Number(_), _) | (_, Value::Number(_)) => num(a)?.partial_cmp(&num(b)?),
        _ => None,
    }
}

/// SQL `LIKE` with `%` (any run) and `_` (one character).
fn like(s: &str, pattern: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    // dp[j]: whether s[..i] matches p[..j]
    let mut dp = vec![false; p.len() + 1];
    dp[0] = true;
    for j in 1..=p.len() {
        dp[j] = dp[j - 1] && p[j - 1] == '%';
    }
    for &c in &s {
        let mut prev_diag = dp[0];
        dp[0] = false;
        for j in 1..=p.len() {
            let old = dp[j];
            dp[j] = match p[j - 1] {
                '%' => dp[j - 1] || old,
                '_' => prev_diag,
                pc => prev_diag && pc == c,
            };
            prev_diag = old;
        }
    }
    dp[p.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn customer() -> Value {
        json!({
            "ID": 7, "CustomerNumber": 100007, "Name": "O'Brien & Sønner AS", "Balance": 12.5,
            "Active": true, "Comment": null, "InvoiceDate": "2024-03-15",
            "Info": { "Name": "O'Brien & Sønner AS", "DefaultEmail": { "EmailAddress": "post@obrien.no" } }
        })
    }

    fn hit(filter: &str) -> bool {
        parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}")).matches(&customer())
    }

    #[test]
    fn comparisons() {
        assert!(hit("ID eq 7"));
        assert!(!hit("ID eq 8"));
        assert!(hit("ID ne 8"));
        assert!(hit("ID gt 6 and ID ge 7 and ID lt 8 and ID le 7"));
        assert!(!hit("ID gt 7"));
        assert!(hit("Balance gt 12.25"));
        assert!(hit("Balance lt 13"));
        assert!(hit("CustomerNumber eq '100007'"), "a numeric text compares with a number");
        assert!(hit("Active eq true"));
        assert!(!hit("Active eq false"));
        assert!(hit("Comment eq null"));
        assert!(hit("Missing eq null"));
        assert!(!hit("Comment ne null"));
        assert!(hit("Name ne null"));
        assert!(!hit("Comment gt 1"), "null never orders");
        assert!(hit("InvoiceDate ge '2024-01-01' and InvoiceDate lt '2025-01-01'"));
        assert!(hit("year(InvoiceDate) eq 2024 and month(InvoiceDate) eq 3 and day(InvoiceDate) eq 15"));
    }

    #[test]
    fn strings_with_escaped_quotes_and_case_insensitivity() {
        assert!(hit("Name eq 'O''Brien & Sønner AS'"));
        assert!(hit("Name eq 'o''brien & SØNNER as'"), "text compares case-insensitively");
        assert!(!hit("Name eq 'O''Brien'"));
        assert!(hit("contains(Name,'''Brien')"));
        assert!(hit("startswith(Name, 'O''B')"));
        assert!(hit("endswith(Name,'sønner as')"));
        assert!(!hit("endswith(Name,'O''')"));
        assert!(hit("Name like '%brien%'"));
        assert!(hit("Name like 'O_Brien%'"));
        assert!(!hit("Name like 'Brien%'"));
        assert!(hit("Name notlike 'Brien%'"));
        assert!(hit("tolower(Name) eq 'o''brien & sønner as'"));
    }

    #[test]
    fn boolean_logic_grouping_and_paths() {
        assert!(hit("ID eq 1 or ID eq 7"));
        assert!(!hit("ID eq 1 and ID eq 7"));
        assert!(hit("not (ID eq 1)"));
        assert!(!hit("not ID eq 7"));
        assert!(hit("(ID eq 1 or ID eq 7) and Active eq true"));
        assert!(!hit("ID eq 1 or ID eq 7 and Active eq false"), "and binds tighter than or");
        assert!(hit("ID EQ 7 AND NOT (Active Eq false)"), "keywords are case-insensitive");
        assert!(hit("Info.Name eq 'O''Brien & Sønner AS'"));
        assert!(hit("contains(Info.DefaultEmail.EmailAddress, '@obrien.')"));
        assert!(hit("info.defaultemail.emailaddress eq 'POST@obrien.no'"), "names are case-insensitive");
        assert!(hit("Info.Missing.Deeper eq null"));
        assert!(hit("startswith(Name,'O') and (contains(Name,'x') or contains(Name,'&'))"));
        assert!(hit("Active"), "a boolean field alone is a predicate");
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = parse("Name eq 'O'Brien").unwrap_err();
        assert_eq!((e.message.as_str(), e.position), ("unexpected `Brien`", 11));
        assert!(parse("Name eq 'O'Brien'").is_err(), "an unescaped quote can't change the meaning");
        let e = parse("Name eq 'unterminated").unwrap_err();
        assert_eq!((e.message.as_str(), e.position), ("unterminated string literal", 8));
        let e = parse("Name equals 'x'").unwrap_err();
        assert!(e.message.contains("expected an operator"), "{e}");
        let e = parse("frobnicate(Name)").unwrap_err();
        assert!(e.message.contains("unknown function `frobnicate`"), "{e}");
        let e = parse("contains(Name)").unwrap_err();
        assert!(e.message.contains("2 argument"), "{e}");
        let e = parse("(ID eq 1").unwrap_err();
        assert!(e.message.contains("`)`"), "{e}");
        let e = parse("ID eq").unwrap_err();
        assert!(e.message.contains("ends too early"), "{e}");
        let e = parse("ID eq 1 $").unwrap_err();
        assert!(e.message.contains('$'), "{e}");
        assert!(parse("   ").is_err());
        assert!(parse("ID eq and").is_err());
    }

    #[test]
    fn ordering_rules() {
        assert_eq!(compare(&json!(null), &json!(1)), Some(Ordering::Less));
        assert_eq!(compare(&json!("b"), &json!("A")), Some(Ordering::Greater));
        assert_eq!(compare(&json!(2), &json!(10)), Some(Ordering::Less));
        assert_eq!(compare(&json!({}), &json!("x")), None);
        assert!(like("abc", "%"));
        assert!(like("", "%"));
        assert!(!like("abc", "a_"));
        assert!(like("a%c", "a%c"));
    }
}
