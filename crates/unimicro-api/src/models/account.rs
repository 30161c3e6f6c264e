//! `Account` (`/api/biz/accounts`): the chart of accounts.

use super::business_model::business_model;
use crate::VatType;

business_model! {
    /// An account of the chart of accounts (`/api/biz/accounts`), including sub-ledger accounts of
    /// customers and suppliers.
    pub struct Account in "accounts" {
        /// The account number (`AccountNumber`: 1920, 3000 …).
        account_number: i64 = "AccountNumber",
        /// The name (`AccountName`).
        account_name: String = "AccountName",
        /// A description (`Description`).
        description: String = "Description",
        /// The account group (`AccountGroupID`).
        account_group_id: i64 = "AccountGroupID",
        /// The default VAT type (`VatTypeID`).
        vat_type_id: i64 = "VatTypeID",
        /// The customer, for a customer sub-ledger account (`CustomerID`).
        customer_id: i64 = "CustomerID",
        /// The supplier, for a supplier sub-ledger account (`SupplierID`).
        supplier_id: i64 = "SupplierID",
        /// The account's currency (`CurrencyCodeID`).
        currency_code_id: i64 = "CurrencyCodeID",
        /// Whether the account is active (`Active`).
        active: bool = "Active",
        /// Whether the account is locked for posting (`Locked`).
        locked: bool = "Locked",
        /// Whether the account is shown (`Visible`).
        visible: bool = "Visible",
        /// Whether the account is a system account (`SystemAccount`).
        system_account: bool = "SystemAccount",
        /// Whether open items are matched on this account (`UsePostPost`).
        use_post_post: bool = "UsePostPost",
        /// The default VAT type (`VatType`, expand `VatType`).
        vat_type: VatType = "VatType",
    }
}
