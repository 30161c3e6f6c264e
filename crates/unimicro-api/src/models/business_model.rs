//! What every business entity model shares: the common fields, `_createguid`, unknown fields kept,
//! and its [`Entity`](crate::Entity) route — written once, by the [`business_model!`] macro.

/// A fresh `_createguid` value (a random UUID), for a record created inside another one's body.
///
/// The platform uses it to tell new nested records apart and to refuse the same one twice; the
/// models' `with_create_guid()` methods set it.
pub fn new_create_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Declares a business entity model: the given fields (each `Option`, renamed to the given JSON name),
/// then `ID`, the fields every entity has, `_createguid` and the `extra` map; and its `Entity` impl.
macro_rules! business_model {
    (
        $(#[$meta:meta])*
        pub struct $name:ident in $route:literal {
            $(
                $(#[$field_meta:meta])*
                $field:ident: $ty:ty = $json:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        ///
        /// Every field but `id` is optional: the API leaves out what was not selected or expanded, and
        /// a `None` field is left out when the model is sent. Fields the model does not name are kept in
        /// `extra` and written back, so fetch → change → [`update`](crate::CompanyHandler::update) keeps
        /// them. To set a field to `null` in an update, put `Value::Null` under its JSON name in `extra`.
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            /// The record's id (`ID`); 0 for a record not created yet, and then left out when sent.
            #[serde(rename = "ID", default, skip_serializing_if = "crate::models::is_zero")]
            pub id: i64,
            $(
                $(#[$field_meta])*
                #[serde(rename = $json, default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// The record's status (`StatusCode`); its meaning depends on the entity.
            #[serde(rename = "StatusCode", default, skip_serializing_if = "Option::is_none")]
            pub status_code: Option<i64>,
            /// Whether the record is deleted (`Deleted`); set it on a nested record in an update to
            /// delete that record.
            #[serde(rename = "Deleted", default, skip_serializing_if = "Option::is_none")]
            pub deleted: Option<bool>,
            /// When the record was created (`CreatedAt`).
            #[serde(rename = "CreatedAt", default, skip_serializing_if = "Option::is_none")]
            pub created_at: Option<crate::DateTime>,
            /// Who created the record (`CreatedBy`).
            #[serde(rename = "CreatedBy", default, skip_serializing_if = "Option::is_none")]
            pub created_by: Option<String>,
            /// When the record was last changed (`UpdatedAt`).
            #[serde(rename = "UpdatedAt", default, skip_serializing_if = "Option::is_none")]
            pub updated_at: Option<crate::DateTime>,
            /// Who last changed the record (`UpdatedBy`).
            #[serde(rename = "UpdatedBy", default, skip_serializing_if = "Option::is_none")]
            pub updated_by: Option<String>,
            /// The company's custom fields of this record (`CustomValues`).
            #[serde(rename = "CustomValues", default, skip_serializing_if = "Option::is_none")]
            pub custom_values: Option<serde_json::Value>,
            /// Marks a new record in a create or update body (`_createguid`); see
            /// [`with_create_guid`](Self::with_create_guid).
            #[serde(rename = "_createguid", default, skip_serializing_if = "Option::is_none")]
            pub create_guid: Option<String>,
            /// Every field this model does not name, kept as received and written back.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

        impl $name {
            /// Sets a fresh `_createguid`, marking this record as new: what the platform expects on
            /// records created inside another one's body (an invoice's items, a customer's addresses).
            #[must_use]
            pub fn with_create_guid(mut self) -> Self {
                self.create_guid = Some(crate::models::business_model::new_create_guid());
                self
            }
        }

        impl crate::Entity for $name {
            const ROUTE: &'static str = $route;
            fn id(&self) -> Option<i64> {
                (self.id != 0).then_some(self.id)
            }
        }
    };
}

pub(crate) use business_model;
