//! `VatType` (`/api/biz/vattypes`).

use super::business_model::business_model;

business_model! {
    /// A VAT code with its rate and accounts (`/api/biz/vattypes`).
    pub struct VatType in "vattypes" {
        /// The VAT code (`VatCode`: `3`, `31`, `6` …).
        vat_code: String = "VatCode",
        /// The name (`Name`).
        name: String = "Name",
        /// The rate in percent (`VatPercent`: 25, 15, 12, 0).
        vat_percent: f64 = "VatPercent",
        /// Whether this is output (sales) VAT (`OutputVat`).
        output_vat: bool = "OutputVat",
        /// The account for incoming VAT (`IncomingAccountID`).
        incoming_account_id: i64 = "IncomingAccountID",
        /// The account for outgoing VAT (`OutgoingAccountID`).
        outgoing_account_id: i64 = "OutgoingAccountID",
        /// A short alias (`Alias`).
        alias: String = "Alias",
        /// Whether the VAT type is locked (`Locked`).
        locked: bool = "Locked",
        /// Whether the VAT type is shown (`Visible`).
        visible: bool = "Visible",
    }
}
