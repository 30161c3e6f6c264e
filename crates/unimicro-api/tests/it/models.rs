//! Models keep every field they do not name, and write it back.

use serde_json::Value;
use unimicro_api::{Company, CompanySettings};

use crate::support::fixture_json;

#[test]
fn company_settings_round_trip_keeps_unknown_fields() {
    let original = fixture_json("company_settings.json")[0].clone();
    let settings: CompanySettings = serde_json::from_value(original.clone()).unwrap();

    // Fields the model does not name land in `extra`, at every level.
    assert_eq!(settings.extra["APActivated"], true);
    assert_eq!(settings.extra["RoundingType"], 1);
    assert_eq!(settings.extra["FactoringNumber"], Value::Null);
    assert_eq!(settings.default_address.as_ref().unwrap().extra["Latitude"], 59.9133);
    assert_eq!(settings.default_phone.as_ref().unwrap().extra["Type"], 150101);
    assert_eq!(settings.bank_accounts.as_ref().unwrap()[0].extra["Label"], "Driftskonto");

    let written = serde_json::to_value(&settings).unwrap();
    assert_eq!(written, original, "deserialize → serialize must give back the same JSON");
}

#[test]
fn company_round_trip_keeps_unknown_fields_and_drops_only_known_nulls() {
    let original = fixture_json("companies.json")[0].clone();
    let company: Company = serde_json::from_value(original.clone()).unwrap();
    assert_eq!(company.extra["Features"], serde_json::json!(["Accounting", "Sales"]));

    let written = serde_json::to_value(&company).unwrap();
    let mut expected = original;
    for known_and_null in ["StatusCode", "_createguid"] {
        // Fields the model names are left out when null.
        expected.as_object_mut().unwrap().remove(known_and_null);
    }
    assert_eq!(written, expected);
}

#[test]
fn a_modified_model_writes_its_change_and_everything_else() {
    let mut settings: CompanySettings =
        serde_json::from_value(fixture_json("company_settings.json")[0].clone()).unwrap();
    settings.web_address = Some("https://new.example".into());
    settings.extra.insert("APActivated".into(), Value::Bool(false));
    let written = serde_json::to_value(&settings).unwrap();
    assert_eq!(written["WebAddress"], "https://new.example");
    assert_eq!(written["APActivated"], false);
    assert_eq!(written["APGuid"], "7b2f7c1e-1111-2222-3333-444455556666");
    assert_eq!(written["CreatedAt"], "2020-01-01T08:00:00.1234567+01:00");
}
