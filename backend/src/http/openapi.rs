//! The OpenAPI document of `/api/v1`, served at `/api/v1/openapi.json`.
//!
//! Each handler's `#[utoipa::path]` names its route (the router is made
//! from it, so the two cannot disagree), its parameters, body and answers.
//! What a group of routes shares comes from the layers put around the
//! group (reader headers, `Idempotency-Key`, rate limits, origin checks,
//! the moderator's session): each layer's part of the document is added
//! here, by the function the router calls where it puts that layer on.

use crate::http::caching::{Policy, Prepared};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chime_shared::{
    ErrorBody, IdempotencyKey, ModStateFilter, PageLimit, ReaderKey, ReaderToken, SortOrder,
};
use std::sync::Arc;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    Operation, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{HttpMethod, InfoBuilder, OpenApi, PathItem, Ref, RefOr, Required, Schema};
use utoipa::{IntoParams, PartialSchema, ToSchema};

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";

/// The name of the moderators' session in the document.
const MODERATOR_SESSION: &str = "moderator_session";

/// The reader whose request this is: required.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct AsReader {
    /// The reader's random token, made once by their widget and kept.
    #[param(rename = "X-Chime-Reader")]
    reader: ReaderToken,
}

/// The reader whose request this is, if any: a listing marks their own
/// comments and reactions.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct MaybeAsReader {
    /// The reader's random token, made once by their widget and kept.
    #[param(rename = "X-Chime-Reader")]
    reader: Option<ReaderToken>,
}

/// A read that can be revalidated with its `ETag`.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct Revalidated {
    /// The `ETag` of the copy the client holds: `304` when it is current.
    #[param(rename = "If-None-Match")]
    if_none_match: Option<String>,
}

/// Every operation of `doc`, with its path and method.
fn operations(doc: &mut OpenApi) -> impl Iterator<Item = (&str, HttpMethod, &mut Operation)> {
    doc.paths.paths.iter_mut().flat_map(|(path, item)| {
        let PathItem {
            get,
            put,
            post,
            delete,
            patch,
            ..
        } = item;
        [
            (HttpMethod::Get, get),
            (HttpMethod::Put, put),
            (HttpMethod::Post, post),
            (HttpMethod::Delete, delete),
            (HttpMethod::Patch, patch),
        ]
        .into_iter()
        .filter_map(move |(method, op)| op.as_mut().map(|op| (path.as_str(), method, op)))
    })
}

fn is_write(method: &HttpMethod) -> bool {
    !matches!(
        method,
        HttpMethod::Get | HttpMethod::Head | HttpMethod::Options
    )
}

/// An error answer in API.md's shape.
fn error(description: &str, retry_after: bool) -> RefOr<utoipa::openapi::Response> {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(ErrorBody::name())))
            .build(),
    );
    if retry_after {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(0)),
                )
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    response.build().into()
}

/// Adds an error answer, or its reason to the answer the route gives for
/// that status.
fn answer(op: &mut Operation, status: u16, description: &str, retry_after: bool) {
    match op.responses.responses.get_mut(&status.to_string()) {
        // Another reason for the same status: both are said.
        Some(RefOr::T(said)) => {
            if !said.description.contains(description) {
                said.description = format!("{} Or {description}", said.description);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            op.responses
                .responses
                .insert(status.to_string(), error(description, retry_after));
        }
    }
}

fn header(name: &str, required: bool, schema: RefOr<Schema>, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

fn add_parameter(op: &mut Operation, parameter: Parameter) {
    let parameters = op.parameters.get_or_insert_with(Vec::new);
    if !parameters.iter().any(|p| p.name == parameter.name) {
        parameters.push(parameter);
    }
}

/// The reader routes' layers: a signed-in reader's session, the allowed
/// sites, and on writes the rate limits and `Idempotency-Key`.
pub fn reader_layers(doc: &mut OpenApi) {
    for (path, method, op) in operations(doc) {
        add_parameter(
            op,
            header(
                "X-Chime-Session",
                false,
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[0-9a-f]{64}$"))
                    .into(),
                "A signed-in reader's session, as `POST /sso/session` gave it.",
            ),
        );
        if !path.ends_with("/sso/session") {
            answer(
                op,
                401,
                "`session_expired`: the `X-Chime-Session` sent is unknown or ended.",
                false,
            );
        }
        answer(
            op,
            403,
            "`origin_not_allowed`: the request comes from a site that may not use these comments.",
            false,
        );
        if is_write(&method) {
            add_parameter(
                op,
                header(
                    "Idempotency-Key",
                    false,
                    IdempotencyKey::schema(),
                    "The same key on a retried write, by the same reader within 24 hours, gets the first answer again and changes nothing.",
                ),
            );
            answer(
                op,
                409,
                "`conflict`: a write with this `Idempotency-Key` is still being handled, or the key was used for another write.",
                false,
            );
            answer(
                op,
                429,
                "`rate_limited`: too many writes from this reader or address.",
                true,
            );
        }
    }
}

/// The moderation routes' layers: writes come from the backend's own pages.
pub fn moderation_layers(doc: &mut OpenApi) {
    for (_, method, op) in operations(doc) {
        if is_write(&method) {
            answer(
                op,
                403,
                "`origin_not_allowed`: a state-changing moderation request must come from the moderation page.",
                false,
            );
        }
    }
}

/// The guard of every moderation route but signing in: a moderator's
/// session cookie.
pub fn moderator_guard(doc: &mut OpenApi) {
    for (_, _, op) in operations(doc) {
        op.security = Some(vec![SecurityRequirement::new::<_, _, &str>(
            MODERATOR_SESSION,
            [],
        )]);
        answer(
            op,
            401,
            "`unauthenticated`: no valid moderator session.",
            false,
        );
    }
}

/// The admins' guard.
pub fn admin_guard(doc: &mut OpenApi) {
    for (_, _, op) in operations(doc) {
        answer(op, 403, "`forbidden`: only an admin may do this.", false);
    }
}

/// The whole document: what every route shares (the JSON error answers of
/// the layers around all of them), the document's own route, and the
/// schemas the errors use.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    doc.info = InfoBuilder::new()
        .title("Chime")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Comments and reactions for article pages. Every error is a JSON body `{\"error\": {code, message, field?}}`; docs/API.md says what each route does.",
        ))
        .build();
    doc.paths.paths.insert(
        DOCUMENT_PATH.to_owned(),
        PathItem::new(
            HttpMethod::Get,
            OperationBuilder::new()
                .tag("meta")
                .operation_id(Some("openapi"))
                .summary(Some("This document."))
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("The OpenAPI document of this server's API.")
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                                .build(),
                        )
                        .build(),
                )
                .response(
                    "304",
                    ResponseBuilder::new().description("Not modified.").build(),
                ),
        ),
    );
    for (_, _, op) in operations(&mut doc) {
        answer(
            op,
            400,
            "`bad_request`, `validation_failed` (naming the `field`) or `missing_reader`: the request cannot be taken as it is.",
            false,
        );
        answer(op, 408, "`timeout`: the request took too long.", false);
        answer(
            op,
            503,
            "`unavailable`: the store does not answer (nothing was changed), or the server holds as many connections as it may.",
            true,
        );
        if op.request_body.is_some() {
            answer(
                op,
                413,
                "`payload_too_large`: the body is over the limit.",
                false,
            );
            answer(
                op,
                415,
                "`unsupported_media_type`: the body is not sent as JSON.",
                false,
            );
        }
    }
    let components = doc.components.get_or_insert_with(Default::default);
    // utoipa collects the schemas of bodies; those of the errors (added
    // here) and of parameters (by reference) are named here.
    let mut schemas = Vec::new();
    fn collect<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
    collect::<ErrorBody>(&mut schemas);
    collect::<ReaderToken>(&mut schemas);
    collect::<ReaderKey>(&mut schemas);
    collect::<PageLimit>(&mut schemas);
    collect::<SortOrder>(&mut schemas);
    collect::<ModStateFilter>(&mut schemas);
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    components.security_schemes.insert(
        MODERATOR_SESSION.to_owned(),
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "chime_mod",
            "The session `POST /mod/session` sets.",
        ))),
    );
    doc.tags = Some(
        [
            ("comments", "A thread of comments under an article."),
            ("reactions", "Emoji reactions to articles and comments."),
            ("live", "Server-sent events of what changes."),
            (
                "site",
                "Counts for list pages and what the widget needs to know.",
            ),
            (
                "readers",
                "Signing in with the site's accounts, and a reader's own data.",
            ),
            ("moderation", "The moderators' view of every article."),
            (
                "admin",
                "Moderators, the site's settings and readers' data requests.",
            ),
            ("meta", "This document."),
        ]
        .into_iter()
        .map(|(name, description)| {
            TagBuilder::new()
                .name(name)
                .description(Some(description))
                .build()
        })
        .collect(),
    );
    doc
}

/// Serves the document, made once.
#[derive(Debug, Clone)]
pub struct Document(Arc<Prepared>);

impl Document {
    pub fn new(doc: &OpenApi) -> Result<Self, crate::http::caching::Unprepared> {
        Prepared::of(doc).map(|prepared| Self(Arc::new(prepared)))
    }

    /// Any site may read it: it holds nothing but the contract, and an
    /// integrator's tools (an API browser, a client generator) run on
    /// their own origins.
    pub fn respond(&self, headers: &HeaderMap) -> Response {
        let mut response = self.0.respond(headers, Policy::Config).into_response();
        response.headers_mut().insert(
            axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
            axum::http::HeaderValue::from_static("*"),
        );
        response
    }
}
