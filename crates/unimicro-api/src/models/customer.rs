//! `Customer` (`/api/biz/customers`) and the `BusinessRelation` that holds its name and contact data.

use super::business_model::{business_model, new_create_guid};
use crate::{Address, BankAccount, Email, Phone};

/// The constructor and contact-data setters of an entity whose name and contact data live in
/// `info`, a [`BusinessRelation`] (customers, suppliers): written once for all of them.
macro_rules! with_business_relation {
    ($name:ident, $what:literal) => {
        impl $name {
            #[doc = concat!("A new ", $what, " named `name`: its `Info` is a new ")]
            #[doc = "[`BusinessRelation`](crate::BusinessRelation) (with a `_createguid`)."]
            pub fn new(name: impl Into<String>) -> Self {
                Self { info: Some($crate::BusinessRelation::new(name)), ..Self::default() }
            }

            fn info_mut(&mut self) -> &mut $crate::BusinessRelation {
                self.info.get_or_insert_with(|| $crate::BusinessRelation::default().with_create_guid())
            }

            /// Sets the default e-mail address (`Info.DefaultEmail`, a new e-mail record).
            #[must_use]
            pub fn with_email(mut self, address: impl Into<String>) -> Self {
                self.info_mut().default_email = Some($crate::models::customer::new_email(address.into()));
                self
            }

            /// Sets the default phone number (`Info.DefaultPhone`, a new phone record).
            #[must_use]
            pub fn with_phone(mut self, number: impl Into<String>) -> Self {
                self.info_mut().default_phone = Some($crate::models::customer::new_phone(number.into()));
                self
            }

            /// Sets the invoice address (`Info.InvoiceAddress`); a new address (ID 0) is marked with a
            /// `_createguid` if it has none.
            #[must_use]
            pub fn with_invoice_address(mut self, address: $crate::Address) -> Self {
                self.info_mut().invoice_address = Some($crate::models::customer::mark_address(address));
                self
            }

            #[doc = concat!("The ", $what, "'s name (`Info.Name`), if `Info` was expanded.")]
            pub fn name(&self) -> Option<&str> {
                self.info.as_ref()?.name.as_deref()
            }
        }
    };
}
pub(crate) use with_business_relation;

business_model! {
    /// A customer (`/api/biz/customers`).
    ///
    /// Its name, addresses, e-mails and phones live in [`info`](Self::info), a
    /// [`BusinessRelation`]; expand `Info` (and e.g. `Info.DefaultEmail`, `Info.InvoiceAddress`) to get
    /// them. Status codes: 30001 active, 50001 inactive, 90001 deleted.
    ///
    /// ```
    /// use unimicro_api::{Address, Customer};
    ///
    /// let customer = Customer::new("Nordmann AS")
    ///     .with_email("post@nordmann.no")
    ///     .with_phone("+47 22 33 44 55")
    ///     .with_invoice_address(Address::default());
    /// let info = customer.info.as_ref().unwrap();
    /// assert_eq!(info.name.as_deref(), Some("Nordmann AS"));
    /// assert!(info.create_guid.is_some());
    /// ```
    pub struct Customer in "customers" {
        /// The customer number (`CustomerNumber`), given by the platform when left out.
        customer_number: i64 = "CustomerNumber",
        /// The organisation number (`OrgNumber`).
        org_number: String = "OrgNumber",
        /// The id of [`info`](Self::info) (`BusinessRelationID`).
        business_relation_id: i64 = "BusinessRelationID",
        /// Name, addresses, e-mails and phones (`Info`, expand `Info`).
        info: BusinessRelation = "Info",
        /// Days of credit on invoices (`CreditDays`).
        credit_days: i64 = "CreditDays",
        /// The customer's currency (`CurrencyCodeID`).
        currency_code_id: i64 = "CurrencyCodeID",
        /// Payment terms (`PaymentTermsID`).
        payment_terms_id: i64 = "PaymentTermsID",
        /// Delivery terms (`DeliveryTermsID`).
        delivery_terms_id: i64 = "DeliveryTermsID",
        /// Default dimensions (`DimensionsID`).
        dimensions_id: i64 = "DimensionsID",
        /// Global Location Number (`GLN`).
        gln: String = "GLN",
        /// PEPPOL address for e-invoices (`PeppolAddress`).
        peppol_address: String = "PeppolAddress",
        /// E-invoice agreement reference (`EInvoiceAgreementReference`).
        e_invoice_agreement_reference: String = "EInvoiceAgreementReference",
        /// Whether the customer is a private person (`IsPrivate`).
        is_private: bool = "IsPrivate",
        /// The customer's web site (`WebUrl`).
        web_url: String = "WebUrl",
        /// The customer's language code on documents (`Localization`).
        localization: String = "Localization",
    }
}

with_business_relation!(Customer, "customer");

business_model! {
    /// The name and contact data of a customer, supplier or contact (`/api/biz/business-relations`;
    /// `Info` on those entities).
    pub struct BusinessRelation in "business-relations" {
        /// The name (`Name`).
        name: String = "Name",
        /// The invoice address's id (`InvoiceAddressID`).
        invoice_address_id: i64 = "InvoiceAddressID",
        /// The shipping address's id (`ShippingAddressID`).
        shipping_address_id: i64 = "ShippingAddressID",
        /// The default e-mail's id (`DefaultEmailID`).
        default_email_id: i64 = "DefaultEmailID",
        /// The default phone's id (`DefaultPhoneID`).
        default_phone_id: i64 = "DefaultPhoneID",
        /// The default contact's id (`DefaultContactID`).
        default_contact_id: i64 = "DefaultContactID",
        /// The default bank account's id (`DefaultBankAccountID`).
        default_bank_account_id: i64 = "DefaultBankAccountID",
        /// The invoice address (`InvoiceAddress`, expand `Info.InvoiceAddress`).
        invoice_address: Address = "InvoiceAddress",
        /// The shipping address (`ShippingAddress`, expand `Info.ShippingAddress`).
        shipping_address: Address = "ShippingAddress",
        /// The default e-mail (`DefaultEmail`, expand `Info.DefaultEmail`).
        default_email: Email = "DefaultEmail",
        /// The default phone (`DefaultPhone`, expand `Info.DefaultPhone`).
        default_phone: Phone = "DefaultPhone",
        /// Every address (`Addresses`, expand `Info.Addresses`).
        addresses: Vec<Address> = "Addresses",
        /// Every e-mail (`Emails`, expand `Info.Emails`).
        emails: Vec<Email> = "Emails",
        /// Every phone (`Phones`, expand `Info.Phones`).
        phones: Vec<Phone> = "Phones",
        /// Bank accounts (`BankAccounts`, expand `Info.BankAccounts`).
        bank_accounts: Vec<BankAccount> = "BankAccounts",
        /// Contacts, as the API sends them (`Contacts`, expand `Info.Contacts`).
        contacts: Vec<serde_json::Value> = "Contacts",
    }
}

impl BusinessRelation {
    /// A new business relation named `name`, marked with a `_createguid`.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: Some(name.into()), ..Self::default() }.with_create_guid()
    }
}

pub(crate) fn new_email(address: String) -> Email {
    Email { email_address: Some(address), create_guid: Some(new_create_guid()), ..Email::default() }
}

pub(crate) fn new_phone(number: String) -> Phone {
    Phone { number: Some(number), create_guid: Some(new_create_guid()), ..Phone::default() }
}

pub(crate) fn mark_address(mut address: Address) -> Address {
    if address.id == 0 && address.create_guid.is_none() {
        address.create_guid = Some(new_create_guid());
    }
    address
}
