//! `Product` (`/api/biz/products`).

use super::business_model::business_model;
use crate::{Account, VatType};

business_model! {
    /// A product or service that can be sold (`/api/biz/products`).
    pub struct Product in "products" {
        /// The product number (`PartName`).
        part_name: String = "PartName",
        /// The name (`Name`).
        name: String = "Name",
        /// A longer description (`Description`).
        description: String = "Description",
        /// The unit sold (`Unit`: `stk`, `timer` …).
        unit: String = "Unit",
        /// Price excluding VAT (`PriceExVat`).
        price_ex_vat: f64 = "PriceExVat",
        /// Price including VAT (`PriceIncVat`).
        price_inc_vat: f64 = "PriceIncVat",
        /// Cost price (`CostPrice`).
        cost_price: f64 = "CostPrice",
        /// List price (`ListPrice`).
        list_price: f64 = "ListPrice",
        /// Average cost (`AverageCost`).
        average_cost: f64 = "AverageCost",
        /// The VAT type (`VatTypeID`).
        vat_type_id: i64 = "VatTypeID",
        /// The sales account (`AccountID`).
        account_id: i64 = "AccountID",
        /// The product type (`Type`).
        product_type: i64 = "Type",
        /// Default dimensions (`DimensionsID`).
        dimensions_id: i64 = "DimensionsID",
        /// The product image's file (`ImageFileID`).
        image_file_id: i64 = "ImageFileID",
        /// The VAT type (`VatType`, expand `VatType`).
        vat_type: VatType = "VatType",
        /// The sales account (`Account`, expand `Account`).
        account: Account = "Account",
    }
}

impl Product {
    /// A new product named `name` with a price excluding VAT.
    pub fn new(name: impl Into<String>, price_ex_vat: f64) -> Self {
        Self { name: Some(name.into()), price_ex_vat: Some(price_ex_vat), ..Self::default() }
    }
}
