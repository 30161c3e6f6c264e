//! `CurrencyCode` (`/api/biz/currencycodes`).

use super::business_model::business_model;

business_model! {
    /// A currency (`/api/biz/currencycodes`).
    pub struct CurrencyCode in "currencycodes" {
        /// The ISO 4217 code (`Code`: `NOK`, `EUR` …).
        code: String = "Code",
        /// The name (`Name`).
        name: String = "Name",
        /// A short form (`ShortCode`).
        short_code: String = "ShortCode",
    }
}
