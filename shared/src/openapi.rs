//! OpenAPI schemas of the newtypes that serialize as plain strings and
//! numbers: what each accepts, as JSON Schema says it (the structs derive
//! theirs). The server's `/api/v1/openapi.json` is made of these, so a
//! rule changed here is a rule changed in the contract.

use crate::history::ReaderKey;
use crate::ids::{ArticleId, CommentId, Cursor, IdempotencyKey, PageLimit, ReaderToken};
use crate::reaction::{ReactionCounts, ReactionKind};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{KnownFormat, RefOr, SchemaFormat};
use utoipa::{PartialSchema, ToSchema};

/// Neither whitespace nor a control character (C0, DEL or C1).
const VISIBLE: &str = r"[^\s\x00-\x1f\x7f-\x9f]";
/// Not a control character.
const NOT_CONTROL: &str = r"[^\x00-\x1f\x7f-\x9f]";

fn text(description: &str, min: usize, max: usize, pattern: Option<String>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .min_length(Some(min))
        .max_length(Some(max))
        .pattern(pattern)
        .into()
}

macro_rules! schema {
    ($name:ty, $schema:expr) => {
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }
        impl ToSchema for $name {}
    };
}

schema!(
    ArticleId,
    text(
        "The site's id for an article page: 1 to 200 characters, no control characters, no whitespace at either end.",
        1,
        crate::ids::ARTICLE_ID_MAX_CHARS,
        Some(format!("^{VISIBLE}(?:{NOT_CONTROL}*{VISIBLE})?$")),
    )
);
schema!(
    CommentId,
    text(
        "A comment's id: opaque, 1 to 64 ASCII letters, digits, `-` or `_`.",
        1,
        64,
        Some("^[A-Za-z0-9_-]{1,64}$".into()),
    )
);
schema!(
    ReaderToken,
    text(
        "A reader's random token: 32 hexadecimal characters.",
        32,
        32,
        Some("^[0-9a-fA-F]{32}$".into()),
    )
);
schema!(
    ReaderKey,
    text(
        "A reader's key, as the `reader` of their comments in the moderation view: 1 to 64 ASCII letters and digits.",
        1,
        64,
        Some("^[A-Za-z0-9]{1,64}$".into()),
    )
);
schema!(
    Cursor,
    text(
        "An opaque page cursor, as a listing's `next_cursor` gave it.",
        1,
        200,
        Some("^[A-Za-z0-9._-]{1,200}$".into()),
    )
);
schema!(
    IdempotencyKey,
    text(
        "A client's key for one write: 1 to 64 printable ASCII characters.",
        1,
        64,
        Some(r"^[\x21-\x7e]{1,64}$".into()),
    )
);
schema!(
    PageLimit,
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .description(Some("How many top-level comments a page holds."))
        .minimum(Some(1))
        .maximum(Some(PageLimit::MAX))
        .default(Some(PageLimit::DEFAULT.get().into()))
        .into()
);
schema!(
    ReactionCounts,
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "Counts per reaction kind; kinds nobody chose are left out."
        ))
        .property_names(Some(ReactionKind::schema_object()))
        .additional_properties(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(1)),
        ))
        .into()
);

impl ReactionKind {
    fn schema_object() -> Schema {
        match <ReactionKind as PartialSchema>::schema() {
            RefOr::T(schema) => schema,
            RefOr::Ref(_) => Schema::default(),
        }
    }
}
