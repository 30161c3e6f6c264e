//! `CustomerInvoice` (`/api/biz/invoices`) and its lines, `CustomerInvoiceItem` (`/api/biz/invoiceitems`).

use super::business_model::business_model;
use crate::{Customer, DateTime, Product};

business_model! {
    /// An invoice to a customer, or a credit note (`/api/biz/invoices`).
    ///
    /// Its lines are [`items`](Self::items) (expand `Items`). Status codes: 42001 draft, 42002
    /// invoiced, 42003 partly paid, 42004 paid, 42006 credited. Turning a draft into an invoice is the
    /// `invoice` transition: `company.action::<CustomerInvoice>("invoices", Some(id), "invoice", Method::POST)`.
    ///
    /// ```
    /// use unimicro_api::{CustomerInvoice, CustomerInvoiceItem};
    ///
    /// let invoice = CustomerInvoice::new(42)
    ///     .with_item(CustomerInvoiceItem::new("Consulting", 10.0, 1250.0))
    ///     .with_item(CustomerInvoiceItem::for_product(7, 2.0));
    /// let items = invoice.items.as_ref().unwrap();
    /// assert!(items.iter().all(|i| i.create_guid.is_some()));
    /// ```
    pub struct CustomerInvoice in "invoices" {
        /// The invoice number (`InvoiceNumber`), given when the draft is invoiced.
        invoice_number: String = "InvoiceNumber",
        /// The invoice date (`InvoiceDate`).
        invoice_date: DateTime = "InvoiceDate",
        /// When payment is due (`PaymentDueDate`).
        payment_due_date: DateTime = "PaymentDueDate",
        /// The delivery date (`DeliveryDate`).
        delivery_date: DateTime = "DeliveryDate",
        /// The customer (`CustomerID`).
        customer_id: i64 = "CustomerID",
        /// The customer's name as printed (`CustomerName`).
        customer_name: String = "CustomerName",
        /// The customer's organisation number as printed (`CustomerOrgNumber`).
        customer_org_number: String = "CustomerOrgNumber",
        /// Invoice (0) or credit note (1) (`InvoiceType`).
        invoice_type: i64 = "InvoiceType",
        /// The invoice's currency (`CurrencyCodeID`).
        currency_code_id: i64 = "CurrencyCodeID",
        /// The exchange rate to the company's currency (`CurrencyExchangeRate`).
        currency_exchange_rate: f64 = "CurrencyExchangeRate",
        /// Days of credit (`CreditDays`).
        credit_days: i64 = "CreditDays",
        /// Total excluding VAT (`TaxExclusiveAmount`).
        tax_exclusive_amount: f64 = "TaxExclusiveAmount",
        /// Total excluding VAT in the invoice's currency (`TaxExclusiveAmountCurrency`).
        tax_exclusive_amount_currency: f64 = "TaxExclusiveAmountCurrency",
        /// Total including VAT (`TaxInclusiveAmount`).
        tax_inclusive_amount: f64 = "TaxInclusiveAmount",
        /// Total including VAT in the invoice's currency (`TaxInclusiveAmountCurrency`).
        tax_inclusive_amount_currency: f64 = "TaxInclusiveAmountCurrency",
        /// Total VAT (`VatTotalsAmount`).
        vat_totals_amount: f64 = "VatTotalsAmount",
        /// What remains to be paid (`RestAmount`).
        rest_amount: f64 = "RestAmount",
        /// What remains to be paid in the invoice's currency (`RestAmountCurrency`).
        rest_amount_currency: f64 = "RestAmountCurrency",
        /// The amount credited (`CreditedAmount`).
        credited_amount: f64 = "CreditedAmount",
        /// The KID (customer identification number) for payment (`PaymentID`).
        payment_id: String = "PaymentID",
        /// Our reference (`OurReference`).
        our_reference: String = "OurReference",
        /// Your reference (`YourReference`).
        your_reference: String = "YourReference",
        /// A comment printed on the invoice (`Comment`).
        comment: String = "Comment",
        /// The journal entry of the invoice, once invoiced (`JournalEntryID`).
        journal_entry_id: i64 = "JournalEntryID",
        /// The customer (`Customer`, expand `Customer`).
        customer: Customer = "Customer",
        /// The lines (`Items`, expand `Items`).
        items: Vec<CustomerInvoiceItem> = "Items",
    }
}

impl CustomerInvoice {
    /// A new draft invoice to the customer with id `customer_id`.
    pub fn new(customer_id: i64) -> Self {
        Self { customer_id: Some(customer_id), ..Self::default() }
    }

    /// Adds a line; a new line (ID 0) is marked with a `_createguid` if it has none.
    #[must_use]
    pub fn with_item(mut self, item: CustomerInvoiceItem) -> Self {
        let item = if item.id == 0 && item.create_guid.is_none() { item.with_create_guid() } else { item };
        self.items.get_or_insert_with(Vec::new).push(item);
        self
    }
}

business_model! {
    /// A line of a [`CustomerInvoice`] (`/api/biz/invoiceitems`; `Items` on the invoice).
    pub struct CustomerInvoiceItem in "invoiceitems" {
        /// The invoice (`CustomerInvoiceID`).
        customer_invoice_id: i64 = "CustomerInvoiceID",
        /// The product (`ProductID`).
        product_id: i64 = "ProductID",
        /// The line's text (`ItemText`).
        item_text: String = "ItemText",
        /// Quantity (`NumberOfItems`).
        number_of_items: f64 = "NumberOfItems",
        /// Unit (`Unit`).
        unit: String = "Unit",
        /// Unit price excluding VAT (`PriceExVat`).
        price_ex_vat: f64 = "PriceExVat",
        /// Unit price excluding VAT in the invoice's currency (`PriceExVatCurrency`).
        price_ex_vat_currency: f64 = "PriceExVatCurrency",
        /// Unit price including VAT (`PriceIncVat`).
        price_inc_vat: f64 = "PriceIncVat",
        /// Discount amount (`Discount`).
        discount: f64 = "Discount",
        /// Discount in percent (`DiscountPercent`).
        discount_percent: f64 = "DiscountPercent",
        /// The VAT type (`VatTypeID`).
        vat_type_id: i64 = "VatTypeID",
        /// The VAT rate in percent (`VatPercent`).
        vat_percent: f64 = "VatPercent",
        /// The sales account (`AccountID`).
        account_id: i64 = "AccountID",
        /// Line total excluding VAT (`SumTotalExVat`).
        sum_total_ex_vat: f64 = "SumTotalExVat",
        /// Line total including VAT (`SumTotalIncVat`).
        sum_total_inc_vat: f64 = "SumTotalIncVat",
        /// The line's VAT (`SumVat`).
        sum_vat: f64 = "SumVat",
        /// Position on the invoice (`SortIndex`).
        sort_index: i64 = "SortIndex",
        /// The product (`Product`, expand `Items.Product`).
        product: Product = "Product",
    }
}

impl CustomerInvoiceItem {
    /// A new free-text line: `quantity` × `price_ex_vat`, marked with a `_createguid`.
    pub fn new(text: impl Into<String>, quantity: f64, price_ex_vat: f64) -> Self {
        Self {
            item_text: Some(text.into()),
            number_of_items: Some(quantity),
            price_ex_vat: Some(price_ex_vat),
            ..Self::default()
        }
        .with_create_guid()
    }

    /// A new line of `quantity` of the product with id `product_id` (its text, price and VAT come
    /// from the product), marked with a `_createguid`.
    pub fn for_product(product_id: i64, quantity: f64) -> Self {
        Self { product_id: Some(product_id), number_of_items: Some(quantity), ..Self::default() }
            .with_create_guid()
    }
}
