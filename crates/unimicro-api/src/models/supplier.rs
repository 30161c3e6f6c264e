//! `Supplier` (`/api/biz/suppliers`).

use super::business_model::business_model;
use super::customer::with_business_relation;
use crate::BusinessRelation;

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

with_business_relation!(Supplier, "supplier");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Address;

    #[test]
    fn contact_setters_fill_a_new_info() {
        let address = Address { id: 0, city: Some("Bergen".into()), ..Address::default() };
        let supplier = Supplier::new("Leverandør AS")
            .with_email("faktura@leverandor.no")
            .with_phone("+47 55 00 00 00")
            .with_invoice_address(address);
        assert_eq!(supplier.name(), Some("Leverandør AS"));
        let info = supplier.info.as_ref().unwrap();
        assert!(info.create_guid.is_some());
        let email = info.default_email.as_ref().unwrap();
        assert_eq!(email.email_address.as_deref(), Some("faktura@leverandor.no"));
        assert!(email.create_guid.is_some());
        assert_eq!(info.default_phone.as_ref().unwrap().number.as_deref(), Some("+47 55 00 00 00"));
        let invoice_address = info.invoice_address.as_ref().unwrap();
        assert_eq!(invoice_address.city.as_deref(), Some("Bergen"));
        assert!(invoice_address.create_guid.is_some());
        // Setters on a supplier without `Info` make one, marked as new.
        let bare = Supplier::default().with_phone("1");
        assert!(bare.info.as_ref().unwrap().create_guid.is_some());
        assert_eq!(bare.name(), None);
    }
}
