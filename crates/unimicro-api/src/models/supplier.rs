//! `Supplier` (`/api/biz/suppliers`).

use super::business_model::business_model;
use super::customer::{mark_address, new_email, new_phone};
use crate::{Address, BusinessRelation};

business_model! {
    /// A supplier (`/api/biz/suppliers`).
    ///
    /// Like a [`Customer`](crate::Customer), its name and contact data live in [`info`](Self::info)
    /// (expand `Info`).
    pub struct Supplier in "suppliers" {
        /// The supplier number (`SupplierNumber`), given by the platform when left out.
        supplier_number: i64 = "SupplierNumber",
        /// The organisation number (`OrgNumber`).
        org_number: String = "OrgNumber",
        /// The id of [`info`](Self::info) (`BusinessRelationID`).
        business_relation_id: i64 = "BusinessRelationID",
        /// Name, addresses, e-mails and phones (`Info`, expand `Info`).
        info: BusinessRelation = "Info",
        /// Days of credit (`CreditDays`).
        credit_days: i64 = "CreditDays",
        /// The supplier's currency (`CurrencyCodeID`).
        currency_code_id: i64 = "CurrencyCodeID",
        /// Default dimensions (`DimensionsID`).
        dimensions_id: i64 = "DimensionsID",
        /// Global Location Number (`GLN`).
        gln: String = "GLN",
        /// PEPPOL address for e-invoices (`PeppolAddress`).
        peppol_address: String = "PeppolAddress",
        /// Whether the supplier is self-employed (`SelfEmployed`).
        self_employed: bool = "SelfEmployed",
        /// The supplier's web site (`WebUrl`).
        web_url: String = "WebUrl",
        /// The supplier's language code on documents (`Localization`).
        localization: String = "Localization",
    }
}

impl Supplier {
    /// A new supplier named `name`: its `Info` is a new [`BusinessRelation`] (with a `_createguid`).
    pub fn new(name: impl Into<String>) -> Self {
        Self { info: Some(BusinessRelation::new(name)), ..Self::default() }
    }

    fn info_mut(&mut self) -> &mut BusinessRelation {
        self.info.get_or_insert_with(|| BusinessRelation::default().with_create_guid())
    }

    /// Sets the default e-mail address (`Info.DefaultEmail`, a new e-mail record).
    #[must_use]
    pub fn with_email(mut self, address: impl Into<String>) -> Self {
        self.info_mut().default_email = Some(new_email(address.into()));
        self
    }

    /// Sets the default phone number (`Info.DefaultPhone`, a new phone record).
    #[must_use]
    pub fn with_phone(mut self, number: impl Into<String>) -> Self {
        self.info_mut().default_phone = Some(new_phone(number.into()));
        self
    }

    /// Sets the invoice address (`Info.InvoiceAddress`); a new address (ID 0) is marked with a
    /// `_createguid` if it has none.
    #[must_use]
    pub fn with_invoice_address(mut self, address: Address) -> Self {
        self.info_mut().invoice_address = Some(mark_address(address));
        self
    }

    /// The supplier's name (`Info.Name`), if `Info` was expanded.
    pub fn name(&self) -> Option<&str> {
        self.info.as_ref()?.name.as_deref()
    }
}
