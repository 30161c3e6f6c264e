//! `CompanySettings`, the company's singleton settings entity (`/api/biz/companysettings`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Address, BankAccount, DateTime, Email, Phone};

/// A company's settings: name, organisation number, accounting defaults, and (when expanded) its
/// default address, e-mail, phone and bank accounts.
///
/// Fetched with [`CompanyHandler::settings`](crate::CompanyHandler::settings). The navigation fields
/// (`default_address`, `bank_accounts` …) are filled only when asked for with
/// [`expand`](crate::GetCompanySettings::expand).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CompanySettings {
    /// The settings' id (the singleton is 1; 0 when the answer left it out, as with a `select` without `ID`).
    #[serde(rename = "ID", default, skip_serializing_if = "crate::models::is_zero")]
    pub id: i64,
    /// The company's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// The organisation number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_number: Option<String>,
    /// The company's web site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_address: Option<String>,
    /// The company's Global Location Number.
    #[serde(rename = "GLN", skip_serializing_if = "Option::is_none")]
    pub gln: Option<String>,
    /// The base currency (a `CurrencyCode` id).
    #[serde(rename = "BaseCurrencyCodeID", skip_serializing_if = "Option::is_none")]
    pub base_currency_code_id: Option<i64>,
    /// The company type (a `CompanyType` id).
    #[serde(rename = "CompanyTypeID", skip_serializing_if = "Option::is_none")]
    pub company_type_id: Option<i64>,
    /// Whether the company is registered (in the register of business enterprises).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_registered: Option<bool>,
    /// Whether the company is registered for VAT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_mandatory: Option<bool>,
    /// How the company is VAT-registered (a platform code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_mandatory_type: Option<i64>,
    /// From when the company is VAT-registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxable_from_date: Option<DateTime>,
    /// The turnover from which the company becomes VAT-registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxable_from_limit: Option<f64>,
    /// Accounting is locked up to and including this date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounting_locked_date: Option<DateTime>,
    /// VAT is locked up to and including this date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vat_locked_date: Option<DateTime>,
    /// The municipality number of the company's office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_municipality_no: Option<String>,
    /// The company's locale (`nb-NO`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub localization: Option<String>,
    /// The logo file.
    #[serde(rename = "LogoFileID", skip_serializing_if = "Option::is_none")]
    pub logo_file_id: Option<i64>,
    /// The default address; see [`default_address`](Self::default_address).
    #[serde(rename = "DefaultAddressID", skip_serializing_if = "Option::is_none")]
    pub default_address_id: Option<i64>,
    /// The default e-mail address; see [`default_email`](Self::default_email).
    #[serde(rename = "DefaultEmailID", skip_serializing_if = "Option::is_none")]
    pub default_email_id: Option<i64>,
    /// The default phone number; see [`default_phone`](Self::default_phone).
    #[serde(rename = "DefaultPhoneID", skip_serializing_if = "Option::is_none")]
    pub default_phone_id: Option<i64>,
    /// The company's main bank account.
    #[serde(rename = "CompanyBankAccountID", skip_serializing_if = "Option::is_none")]
    pub company_bank_account_id: Option<i64>,
    /// The bank account for tax deductions.
    #[serde(rename = "TaxBankAccountID", skip_serializing_if = "Option::is_none")]
    pub tax_bank_account_id: Option<i64>,
    /// The bank account salaries are paid from.
    #[serde(rename = "SalaryBankAccountID", skip_serializing_if = "Option::is_none")]
    pub salary_bank_account_id: Option<i64>,
    /// The ledger account for customers (accounts receivable).
    #[serde(rename = "CustomerAccountID", skip_serializing_if = "Option::is_none")]
    pub customer_account_id: Option<i64>,
    /// The ledger account for suppliers (accounts payable).
    #[serde(rename = "SupplierAccountID", skip_serializing_if = "Option::is_none")]
    pub supplier_account_id: Option<i64>,
    /// The default sales account.
    #[serde(rename = "DefaultSalesAccountID", skip_serializing_if = "Option::is_none")]
    pub default_sales_account_id: Option<i64>,
    /// Default credit days for customers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_credit_days: Option<i64>,
    /// Decimals amounts are rounded to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounding_number_of_decimals: Option<i64>,
    /// Decimals amounts are shown with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_number_of_decimals: Option<i64>,
    /// Status code of the entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
    /// Whether the entity is deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    /// When the entity was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime>,
    /// Who created the entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// When the entity was last updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime>,
    /// Who last updated the entity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// Custom fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_values: Option<Value>,
    /// The default address (expand `DefaultAddress`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_address: Option<Address>,
    /// The default e-mail address (expand `DefaultEmail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_email: Option<Email>,
    /// The default phone number (expand `DefaultPhone`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_phone: Option<Phone>,
    /// The main bank account (expand `CompanyBankAccount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_bank_account: Option<BankAccount>,
    /// The bank account for tax deductions (expand `TaxBankAccount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_bank_account: Option<BankAccount>,
    /// The bank account salaries are paid from (expand `SalaryBankAccount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salary_bank_account: Option<BankAccount>,
    /// All the company's bank accounts (expand `BankAccounts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_accounts: Option<Vec<BankAccount>>,
    /// Every field this model does not name, kept as received and written back.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn renames_match_the_api() {
        let json = json!({
            "ID": 1, "CompanyName": "Demo AS", "GLN": "7080000000000", "BaseCurrencyCodeID": 1,
            "DefaultAddressID": 7, "LogoFileID": null, "TaxableFromDate": "2020-01-01",
            "CreatedAt": "2020-01-01T08:00:00.123", "TaxableFromLimit": 50000.0,
            "DefaultAddress": {"ID": 7, "AddressLine1": "Gate 1", "City": "Oslo", "_createguid": null},
            "BankAccounts": [{"ID": 3, "AccountNumber": "12345678903", "IBAN": "NO9312345678903", "BankAccountType": "company"}]
        });
        let s: CompanySettings = serde_json::from_value(json).unwrap();
        assert_eq!(s.id, 1);
        assert_eq!(s.gln.as_deref(), Some("7080000000000"));
        assert_eq!(s.base_currency_code_id, Some(1));
        assert_eq!(s.default_address_id, Some(7));
        assert_eq!(s.logo_file_id, None);
        assert_eq!(s.taxable_from_date.as_ref().map(|d| (d.year(), d.month(), d.day())), Some((2020, 1, 1)));
        assert_eq!(s.default_address.as_ref().and_then(|a| a.address_line1.as_deref()), Some("Gate 1"));
        let accounts = s.bank_accounts.as_ref().unwrap();
        assert_eq!(accounts[0].iban.as_deref(), Some("NO9312345678903"));
        assert_eq!(accounts[0].extra.get("BankAccountType"), Some(&json!("company")));
        assert!(s.extra.is_empty(), "{:?}", s.extra);
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back["GLN"], "7080000000000");
        assert_eq!(back["CreatedAt"], "2020-01-01T08:00:00.123");
        assert_eq!(back["BankAccounts"][0]["BankAccountType"], "company");
        assert!(back.get("LogoFileID").is_none(), "None fields are left out: {back}");
    }
}
