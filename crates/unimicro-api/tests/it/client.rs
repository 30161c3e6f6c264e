//! The client itself: thread safety, construction.

use unimicro_api::{Client, CompanyHandler, GetCompanySettings, ListCompanies};

#[test]
fn client_handlers_and_requests_are_send_and_sync() {
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
    assert_send_sync_clone::<Client>();
    assert_send_sync_clone::<CompanyHandler<'static>>();
    assert_send_sync_clone::<GetCompanySettings<'static>>();
    assert_send_sync_clone::<ListCompanies<'static>>();
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<unimicro_api::Error>();
}
