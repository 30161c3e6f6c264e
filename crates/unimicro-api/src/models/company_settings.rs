//! `CompanySettings`, the company's singleton settings entity (`/api/biz/companysettings`).

use super::business_model::business_model;
use crate::{Address, BankAccount, DateTime, Email, Phone};

business_model! {
    /// A company's settings: name, organisation number, accounting defaults, and (when expanded) its
    /// default address, e-mail, phone and bank accounts.
    ///
    /// Fetched with [`CompanyHandler::settings`](crate::CompanyHandler::settings). The navigation fields
    /// (`default_address`, `bank_accounts` …) are filled only when asked for with
    /// [`expand`](crate::GetCompanySettings::expand).
    pub struct CompanySettings in "companysettings" {
        /// The company's name.
        company_name: String = "CompanyName",
        /// The organisation number.
        organization_number: String = "OrganizationNumber",
        /// The company's web site.
        web_address: String = "WebAddress",
        /// The company's Global Location Number.
        gln: String = "GLN",
        /// The base currency (a `CurrencyCode` id).
        base_currency_code_id: i64 = "BaseCurrencyCodeID",
        /// The company type (a `CompanyType` id).
        company_type_id: i64 = "CompanyTypeID",
        /// Whether the company is registered (in the register of business enterprises).
        company_registered: bool = "CompanyRegistered",
        /// Whether the company is registered for VAT.
        tax_mandatory: bool = "TaxMandatory",
        /// How the company is VAT-registered (a platform code).
        tax_mandatory_type: i64 = "TaxMandatoryType",
        /// From when the company is VAT-registered.
        taxable_from_date: DateTime = "TaxableFromDate",
        /// The turnover from which the company becomes VAT-registered.
        taxable_from_limit: f64 = "TaxableFromLimit",
        /// Accounting is locked up to and including this date.
        accounting_locked_date: DateTime = "AccountingLockedDate",
        /// VAT is locked up to and including this date.
        vat_locked_date: DateTime = "VatLockedDate",
        /// The municipality number of the company's office.
        office_municipality_no: String = "OfficeMunicipalityNo",
        /// The company's locale (`nb-NO`).
        localization: String = "Localization",
        /// The logo file.
        logo_file_id: i64 = "LogoFileID",
        /// The default address; see [`default_address`](Self::default_address).
        default_address_id: i64 = "DefaultAddressID",
        /// The default e-mail address; see [`default_email`](Self::default_email).
        default_email_id: i64 = "DefaultEmailID",
        /// The default phone number; see [`default_phone`](Self::default_phone).
        default_phone_id: i64 = "DefaultPhoneID",
        /// The company's main bank account.
        company_bank_account_id: i64 = "CompanyBankAccountID",
        /// The bank account for tax deductions.
        tax_bank_account_id: i64 = "TaxBankAccountID",
        /// The bank account salaries are paid from.
        salary_bank_account_id: i64 = "SalaryBankAccountID",
        /// The ledger account for customers (accounts receivable).
        customer_account_id: i64 = "CustomerAccountID",
        /// The ledger account for suppliers (accounts payable).
        supplier_account_id: i64 = "SupplierAccountID",
        /// The default sales account.
        default_sales_account_id: i64 = "DefaultSalesAccountID",
        /// Default credit days for customers.
        customer_credit_days: i64 = "CustomerCreditDays",
        /// Decimals amounts are rounded to.
        rounding_number_of_decimals: i64 = "RoundingNumberOfDecimals",
        /// Decimals amounts are shown with.
        show_number_of_decimals: i64 = "ShowNumberOfDecimals",
        /// The default address (expand `DefaultAddress`).
        default_address: Address = "DefaultAddress",
        /// The default e-mail address (expand `DefaultEmail`).
        default_email: Email = "DefaultEmail",
        /// The default phone number (expand `DefaultPhone`).
        default_phone: Phone = "DefaultPhone",
        /// The main bank account (expand `CompanyBankAccount`).
        company_bank_account: BankAccount = "CompanyBankAccount",
        /// The bank account for tax deductions (expand `TaxBankAccount`).
        tax_bank_account: BankAccount = "TaxBankAccount",
        /// The bank account salaries are paid from (expand `SalaryBankAccount`).
        salary_bank_account: BankAccount = "SalaryBankAccount",
        /// All the company's bank accounts (expand `BankAccounts`).
        bank_accounts: Vec<BankAccount> = "BankAccounts",
    }
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
