//! Extractors whose rejections are our JSON errors, and the reader's
//! identity from `X-Chime-Reader`.

use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::ReaderHash;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use chime_shared::{ErrorCode, JsonObject, READER_HEADER, ReaderToken};

/// `Json` whose rejections are API errors, and whose body must be a JSON
/// object (not an array of the fields, which serde would also take).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(JsonObject(body)) = axum::Json::from_request(request, state).await?;
        Ok(Self(body))
    }
}

/// `Path` whose rejections are API errors.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Query` whose rejections are API errors.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let code = match &rejection {
            JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
            JsonRejection::JsonDataError(_) => ErrorCode::ValidationFailed,
            JsonRejection::BytesRejection(_) if rejection.status().as_u16() == 413 => {
                ErrorCode::PayloadTooLarge
            }
            _ => ErrorCode::BadRequest,
        };
        let message = match code {
            ErrorCode::UnsupportedMediaType => {
                "Send the request body as JSON (Content-Type: application/json).".to_owned()
            }
            ErrorCode::PayloadTooLarge => "The request body is too large.".to_owned(),
            ErrorCode::ValidationFailed => {
                format!(
                    "The request body does not have the expected fields: {}",
                    rejection.body_text()
                )
            }
            _ => format!(
                "The request body is not valid JSON: {}",
                rejection.body_text()
            ),
        };
        ApiError::new(code, message)
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::bad_request(format!(
            "The address is not valid: {}",
            rejection.body_text()
        ))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(format!(
            "The query string is not valid: {}",
            rejection.body_text()
        ))
    }
}

fn reader_of(parts: &Parts, state: &AppState) -> Result<Option<ReaderHash>, ApiError> {
    // A signed-in reader is their account, whatever device they are on.
    if let Some(signed_in) = parts.extensions.get::<crate::service::sso::SignedIn>() {
        return Ok(Some(signed_in.reader.clone()));
    }
    let Some(value) = parts.headers.get(READER_HEADER) else {
        return Ok(None);
    };
    let raw = value.to_str().map_err(|_| {
        ApiError::new(
            ErrorCode::MissingReader,
            "The reader token must be 32 hexadecimal characters.",
        )
    })?;
    let token = ReaderToken::parse(raw).map_err(|e| ApiError::Client {
        code: ErrorCode::MissingReader,
        message: e.message,
        field: Some(e.field.to_owned()),
    })?;
    Ok(Some(state.readers.hash(&token)))
}

/// The reader making a write; the header is required.
#[derive(Debug, Clone)]
pub struct Reader(pub ReaderHash);

impl FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        reader_of(parts, state)?.map(Reader).ok_or_else(|| {
            ApiError::new(
                ErrorCode::MissingReader,
                "This request needs the X-Chime-Reader header.",
            )
        })
    }
}

/// The client's address (behind a trusted proxy, the one it names); `None`
/// without connection info.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            state
                .settings
                .trusted_proxies
                .of(&parts.extensions, &parts.headers),
        ))
    }
}

/// The reader making a read, if they said who they are.
#[derive(Debug, Clone)]
pub struct MaybeReader(pub Option<ReaderHash>);

impl FromRequestParts<AppState> for MaybeReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        reader_of(parts, state).map(MaybeReader)
    }
}
