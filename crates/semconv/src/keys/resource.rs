//! Stable OpenTelemetry resource and general attributes.

/// `service.name`.
pub const SERVICE_NAME: &str = "service.name";
/// `service.instance.id`: the session (thread) the records come from.
pub const SERVICE_INSTANCE_ID: &str = "service.instance.id";
/// `service.version`.
pub const SERVICE_VERSION: &str = "service.version";
/// `deployment.environment.name`.
pub const DEPLOYMENT_ENVIRONMENT_NAME: &str = "deployment.environment.name";
/// `error.type`: a low-cardinality error class; `_OTHER` when there is none.
pub const ERROR_TYPE: &str = "error.type";
/// The fallback value of `error.type`.
pub const ERROR_TYPE_OTHER: &str = "_OTHER";
/// `exception.type`.
pub const EXCEPTION_TYPE: &str = "exception.type";
/// `exception.message`.
pub const EXCEPTION_MESSAGE: &str = "exception.message";
/// The span event name of a recorded exception.
pub const EXCEPTION_EVENT: &str = "exception";
/// `http.response.status_code`.
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
