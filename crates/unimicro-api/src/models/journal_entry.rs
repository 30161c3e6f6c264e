//! `JournalEntry` (`/api/biz/journalentries`), its lines and draft lines, and booking.

use http::Method;

use super::business_model::business_model;
use crate::{Account, CompanyHandler, DateTime, EntityAction, VatType};

business_model! {
    /// A journal entry (voucher) of the general ledger (`/api/biz/journalentries`).
    ///
    /// Booked entries have [`lines`](Self::lines); new ones are made of
    /// [`draft_lines`](Self::draft_lines) and booked with
    /// [`CompanyHandler::book_journal_entries`], which balances and numbers them.
    ///
    /// ```
    /// use unimicro_api::{DateTime, JournalEntry, JournalEntryLineDraft};
    ///
    /// let (rent, bank) = (412, 87); // the accounts' IDs (not their numbers)
    /// let date: DateTime = "2024-03-01".parse()?;
    /// let entry = JournalEntry::new("Office rent March")
    ///     .with_draft_line(JournalEntryLineDraft::new(rent, 10_000.0, date.clone()))
    ///     .with_draft_line(JournalEntryLineDraft::new(bank, -10_000.0, date));
    /// assert_eq!(entry.draft_lines.as_ref().unwrap().len(), 2);
    /// # Ok::<(), unimicro_api::ParseDateTimeError>(())
    /// ```
    pub struct JournalEntry in "journalentries" {
        /// The voucher number with its year (`JournalEntryNumber`, e.g. `1-2024`).
        journal_entry_number: String = "JournalEntryNumber",
        /// The voucher number alone (`JournalEntryNumberNumeric`).
        journal_entry_number_numeric: i64 = "JournalEntryNumberNumeric",
        /// The financial year (`FinancialYearID`).
        financial_year_id: i64 = "FinancialYearID",
        /// A description (`Description`).
        description: String = "Description",
        /// The booked lines (`Lines`, expand `Lines`).
        lines: Vec<JournalEntryLine> = "Lines",
        /// The draft lines (`DraftLines`, expand `DraftLines`), what a new entry is made of.
        draft_lines: Vec<JournalEntryLineDraft> = "DraftLines",
    }
}

impl JournalEntry {
    /// A new journal entry with a description and no lines yet.
    pub fn new(description: impl Into<String>) -> Self {
        Self { description: Some(description.into()), ..Self::default() }
    }

    /// Adds a draft line; a new line (ID 0) is marked with a `_createguid` if it has none.
    #[must_use]
    pub fn with_draft_line(mut self, line: JournalEntryLineDraft) -> Self {
        let line = if line.id == 0 && line.create_guid.is_none() { line.with_create_guid() } else { line };
        self.draft_lines.get_or_insert_with(Vec::new).push(line);
        self
    }
}

impl<'c> CompanyHandler<'c> {
    /// Books journal entries made of draft lines
    /// (`POST /api/biz/journalentries?action=book-journal-entries`): the platform checks that each
    /// entry balances, gives it a number and posts its lines. Answers the booked entries.
    ///
    /// ```no_run
    /// # async fn run(company: unimicro_api::CompanyHandler<'_>) -> unimicro_api::Result<()> {
    /// use unimicro_api::{JournalEntry, JournalEntryLineDraft};
    /// let (rent, bank) = (412, 87); // the accounts' IDs (not their numbers)
    /// let date: unimicro_api::DateTime = "2024-03-01".parse().unwrap();
    /// let entry = JournalEntry::new("Office rent March")
    ///     .with_draft_line(JournalEntryLineDraft::new(rent, 10_000.0, date.clone()))
    ///     .with_draft_line(JournalEntryLineDraft::new(bank, -10_000.0, date));
    /// let booked = company.book_journal_entries(&[entry]).await?;
    /// println!("booked as {:?}", booked[0].journal_entry_number);
    /// # Ok(()) }
    /// ```
    ///
    /// Not retried on failure unless the client's [`RetryPolicy`](crate::RetryPolicy) retries
    /// `POST` — a retried booking could post twice.
    pub fn book_journal_entries(&self, entries: &[JournalEntry]) -> EntityAction<'c, Vec<JournalEntry>> {
        self.action::<Vec<JournalEntry>>(JournalEntry::ROUTE, None, "book-journal-entries", Method::POST)
            .body(&entries)
    }
}

use crate::Entity as _;

business_model! {
    /// A booked line of a [`JournalEntry`] (`/api/biz/journalentrylines`; `Lines` on the entry).
    pub struct JournalEntryLine in "journalentrylines" {
        /// The journal entry (`JournalEntryID`).
        journal_entry_id: i64 = "JournalEntryID",
        /// The voucher number with its year (`JournalEntryNumber`).
        journal_entry_number: String = "JournalEntryNumber",
        /// The voucher number alone (`JournalEntryNumberNumeric`).
        journal_entry_number_numeric: i64 = "JournalEntryNumberNumeric",
        /// The account (`AccountID`).
        account_id: i64 = "AccountID",
        /// The sub-ledger account: a customer's or supplier's (`SubAccountID`).
        sub_account_id: i64 = "SubAccountID",
        /// The amount in the company's currency; debit positive, credit negative (`Amount`).
        amount: f64 = "Amount",
        /// The amount in the line's currency (`AmountCurrency`).
        amount_currency: f64 = "AmountCurrency",
        /// The line's currency (`CurrencyCodeID`).
        currency_code_id: i64 = "CurrencyCodeID",
        /// The exchange rate (`CurrencyExchangeRate`).
        currency_exchange_rate: f64 = "CurrencyExchangeRate",
        /// A description (`Description`).
        description: String = "Description",
        /// The accounting date (`FinancialDate`).
        financial_date: DateTime = "FinancialDate",
        /// The VAT date (`VatDate`).
        vat_date: DateTime = "VatDate",
        /// The VAT type (`VatTypeID`).
        vat_type_id: i64 = "VatTypeID",
        /// The VAT rate in percent (`VatPercent`).
        vat_percent: f64 = "VatPercent",
        /// The VAT basis (`TaxBasisAmount`).
        tax_basis_amount: f64 = "TaxBasisAmount",
        /// The accounting period (`PeriodID`).
        period_id: i64 = "PeriodID",
        /// Dimensions (`DimensionsID`).
        dimensions_id: i64 = "DimensionsID",
        /// The customer invoice the line belongs to (`CustomerInvoiceID`).
        customer_invoice_id: i64 = "CustomerInvoiceID",
        /// The supplier invoice the line belongs to (`SupplierInvoiceID`).
        supplier_invoice_id: i64 = "SupplierInvoiceID",
        /// What remains open of the line (`RestAmount`).
        rest_amount: f64 = "RestAmount",
        /// The account (`Account`, expand `Lines.Account`).
        account: Account = "Account",
        /// The VAT type (`VatType`, expand `Lines.VatType`).
        vat_type: VatType = "VatType",
    }
}

business_model! {
    /// A draft line of a [`JournalEntry`] (`/api/biz/journalentrylinedrafts`; `DraftLines` on the
    /// entry): what is booked.
    pub struct JournalEntryLineDraft in "journalentrylinedrafts" {
        /// The journal entry (`JournalEntryID`).
        journal_entry_id: i64 = "JournalEntryID",
        /// The voucher number with its year (`JournalEntryNumber`).
        journal_entry_number: String = "JournalEntryNumber",
        /// The account (`AccountID`).
        account_id: i64 = "AccountID",
        /// The sub-ledger account: a customer's or supplier's (`SubAccountID`).
        sub_account_id: i64 = "SubAccountID",
        /// The amount in the company's currency; debit positive, credit negative (`Amount`).
        amount: f64 = "Amount",
        /// The amount in the line's currency (`AmountCurrency`).
        amount_currency: f64 = "AmountCurrency",
        /// The line's currency (`CurrencyCodeID`).
        currency_code_id: i64 = "CurrencyCodeID",
        /// The exchange rate (`CurrencyExchangeRate`).
        currency_exchange_rate: f64 = "CurrencyExchangeRate",
        /// A description (`Description`).
        description: String = "Description",
        /// The accounting date (`FinancialDate`).
        financial_date: DateTime = "FinancialDate",
        /// The VAT date (`VatDate`).
        vat_date: DateTime = "VatDate",
        /// The VAT type (`VatTypeID`), `None` for no VAT.
        vat_type_id: i64 = "VatTypeID",
        /// The VAT rate in percent (`VatPercent`).
        vat_percent: f64 = "VatPercent",
        /// Dimensions (`DimensionsID`).
        dimensions_id: i64 = "DimensionsID",
        /// The customer invoice the line belongs to (`CustomerInvoiceID`).
        customer_invoice_id: i64 = "CustomerInvoiceID",
        /// The supplier invoice the line belongs to (`SupplierInvoiceID`).
        supplier_invoice_id: i64 = "SupplierInvoiceID",
        /// The account (`Account`, expand `DraftLines.Account`).
        account: Account = "Account",
    }
}

impl JournalEntryLineDraft {
    /// A new draft line posting `amount` (debit positive, credit negative) to the account with **id**
    /// `account_id` on `financial_date`, marked with a `_createguid`.
    ///
    /// The id is the account's `ID`, not its number: look it up with
    /// `company.list::<Account>().filter(Filter::eq("AccountNumber", 1920))`.
    pub fn new(account_id: i64, amount: f64, financial_date: DateTime) -> Self {
        Self {
            account_id: Some(account_id),
            amount: Some(amount),
            financial_date: Some(financial_date),
            ..Self::default()
        }
        .with_create_guid()
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets the VAT type.
    #[must_use]
    pub fn with_vat_type(mut self, vat_type_id: i64) -> Self {
        self.vat_type_id = Some(vat_type_id);
        self
    }
}
