//! Property tests ("fuzzing") of the site's sign-in tokens: any text, the
//! kept corpus (`tests/corpus`) and tokens signed with the right secret
//! around any claims are a reader or a refusal, never a panic; and a token
//! is accepted only when every rule holds. `PROPTEST_CASES` sets the
//! random cases.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chime_backend::service::sso::{LEEWAY_SECS, verify};
use chime_backend::startup::config::SsoSecret;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "the site's secret, long enough to be one";
const NOW: i64 = 1_764_324_000;
const MAX_AGE: i64 = 3_600;

fn secrets() -> Vec<SsoSecret> {
    vec![SsoSecret::parse(SECRET).expect("long enough")]
}

fn sign(header: &str, claims: &str) -> String {
    let head = URL_SAFE_NO_PAD.encode(header);
    let body = URL_SAFE_NO_PAD.encode(claims);
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key");
    mac.update(format!("{head}.{body}").as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{head}.{body}.{sig}")
}

fn corpus() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus");
    let mut all = Vec::new();
    for file in ["blns.json", "payloads.json"] {
        let text = std::fs::read_to_string(dir.join(file)).expect("the corpus is kept");
        let list: Vec<String> = serde_json::from_str(&text).expect("a JSON list of strings");
        all.extend(list);
    }
    all
}

/// Whether `claims` obey every rule a token must (for the check below).
fn acceptable(claims: &Value) -> bool {
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return false;
    };
    // `nbf` is optional, but a number when it is there.
    let nbf = match &claims["nbf"] {
        Value::Null => iat,
        other => match other.as_i64() {
            Some(nbf) => nbf,
            None => return false,
        },
    };
    let id = match &claims["user"]["id"] {
        Value::String(s) => !s.trim().is_empty(),
        Value::Number(n) => n.is_i64(),
        _ => false,
    };
    NOW <= exp.saturating_add(LEEWAY_SECS)
        && NOW + LEEWAY_SECS >= nbf
        && NOW.saturating_sub(iat) <= MAX_AGE
        && id
}

fn claims() -> impl Strategy<Value = Value> {
    let time = prop_oneof![
        Just(Value::Null),
        (-10_000i64..10_000).prop_map(|d| json!(NOW + d)),
        any::<i64>().prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
    ];
    let id = prop_oneof![
        Just(Value::Null),
        ".{0,12}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(json!([])),
    ];
    (
        time.clone(),
        time.clone(),
        time,
        id,
        ".{0,20}",
        proptest::option::of(".{0,10}"),
    )
        .prop_map(|(iat, exp, nbf, id, name, jti)| {
            let mut c = json!({"iat": iat, "exp": exp, "user": {"id": id, "username": name}});
            if !nbf.is_null() {
                c["nbf"] = nbf;
            }
            if let Some(jti) = jti {
                c["jti"] = json!(jti);
            }
            c
        })
}

#[test]
fn the_corpus_is_refused_without_a_panic() {
    for text in corpus() {
        assert!(verify(&text, &secrets(), NOW, MAX_AGE).is_err(), "{text:?}");
        // Also as a token's parts, signed.
        assert!(verify(&sign(&text, &text), &secrets(), NOW, MAX_AGE).is_err());
    }
}

proptest! {
    #[test]
    fn any_text_is_refused_without_a_panic(text in ".{0,300}") {
        prop_assert!(verify(&text, &secrets(), NOW, MAX_AGE).is_err());
    }

    #[test]
    fn a_signed_token_is_accepted_exactly_when_its_claims_hold(claims in claims()) {
        let token = sign(r#"{"alg":"HS256"}"#, &claims.to_string());
        let checked = verify(&token, &secrets(), NOW, MAX_AGE);
        prop_assert_eq!(checked.is_ok(), acceptable(&claims), "{} -> {:?}", claims, checked);
        if let Ok(user) = checked {
            prop_assert!(!user.user_id.trim().is_empty());
        }
    }

    #[test]
    fn any_header_but_hs256_is_refused(alg in ".{0,12}") {
        prop_assume!(alg != "HS256");
        let token = sign(&json!({"alg": alg}).to_string(), r#"{"iat":0,"exp":0,"user":{"id":"1"}}"#);
        prop_assert!(verify(&token, &secrets(), NOW, MAX_AGE).is_err());
    }
}
