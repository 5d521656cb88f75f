//! Request bodies are JSON objects (API.md). serde's derived structs also
//! take a JSON array of the fields in order (`["Mei", "Hello"]` would be a
//! comment); [`JsonObject`] decodes a body from an object only.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A body of type `T`, decoded from a JSON object and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonObject<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for JsonObject<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for Object<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(Object(PhantomData))
            .map(JsonObject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EditComment;

    #[test]
    fn a_body_is_an_object_and_never_an_array_of_its_fields() {
        let edit: JsonObject<EditComment> =
            serde_json::from_str(r#"{"body": "Hello"}"#).expect("an object");
        assert_eq!(edit.0.body, "Hello");
        assert!(serde_json::from_str::<JsonObject<EditComment>>(r#"["Hello"]"#).is_err());
        assert!(serde_json::from_str::<EditComment>(r#"["Hello"]"#).is_ok());
    }
}
