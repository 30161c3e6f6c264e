//! Entities that other entities point to: addresses, e-mail addresses, phone numbers, bank accounts.

use super::business_model::business_model;

business_model! {
    /// A postal address (`/api/biz/addresses`), e.g.
    /// [`CompanySettings::default_address`](crate::CompanySettings::default_address).
    pub struct Address in "addresses" {
        /// First address line (`AddressLine1`).
        address_line1: String = "AddressLine1",
        /// Second address line (`AddressLine2`).
        address_line2: String = "AddressLine2",
        /// Third address line (`AddressLine3`).
        address_line3: String = "AddressLine3",
        /// Postal code (`PostalCode`).
        postal_code: String = "PostalCode",
        /// City (`City`).
        city: String = "City",
        /// Country name (`Country`).
        country: String = "Country",
        /// Country code (`CountryCode`: `NO`).
        country_code: String = "CountryCode",
        /// Region (`Region`).
        region: String = "Region",
        /// The business relation the address belongs to (`BusinessRelationID`).
        business_relation_id: i64 = "BusinessRelationID",
    }
}

business_model! {
    /// An e-mail address (`/api/biz/emails`), e.g.
    /// [`CompanySettings::default_email`](crate::CompanySettings::default_email).
    pub struct Email in "emails" {
        /// The address (`EmailAddress`).
        email_address: String = "EmailAddress",
        /// A description (`Description`).
        description: String = "Description",
        /// The business relation the address belongs to (`BusinessRelationID`).
        business_relation_id: i64 = "BusinessRelationID",
    }
}

business_model! {
    /// A phone number (`/api/biz/phones`), e.g.
    /// [`CompanySettings::default_phone`](crate::CompanySettings::default_phone).
    pub struct Phone in "phones" {
        /// The number (`Number`).
        number: String = "Number",
        /// Country calling code (`CountryCode`: `+47`).
        country_code: String = "CountryCode",
        /// A description (`Description`).
        description: String = "Description",
        /// The business relation the number belongs to (`BusinessRelationID`).
        business_relation_id: i64 = "BusinessRelationID",
    }
}

business_model! {
    /// A bank account (`/api/biz/bankaccounts`), e.g.
    /// [`CompanySettings::bank_accounts`](crate::CompanySettings::bank_accounts).
    pub struct BankAccount in "bankaccounts" {
        /// The account number (`AccountNumber`; Norwegian: 11 digits).
        account_number: String = "AccountNumber",
        /// The IBAN (`IBAN`).
        iban: String = "IBAN",
        /// The bank (`BankID`).
        bank_id: i64 = "BankID",
        /// The ledger account the bank account is booked on (`AccountID`).
        account_id: i64 = "AccountID",
        /// The business relation that owns the account, if any (`BusinessRelationID`).
        business_relation_id: i64 = "BusinessRelationID",
        /// The company settings the account belongs to, for the company's own accounts (`CompanySettingsID`).
        company_settings_id: i64 = "CompanySettingsID",
    }
}
