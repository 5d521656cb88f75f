//! Webhook endpoints, as admins set them up: where they point (never, unless
//! the server allows it, somewhere on this machine or its private network),
//! which events they take, and the secret their messages are signed with
//! (Standard Webhooks).

use crate::clock::from_millis;
use crate::store::StoreError;
use crate::store::outbox::{
    DeliveryRecord, NewWebhookRecord, OutboxStore, WebhookRecord, WebhookUpdate,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chime_shared::{
    Delivery, DeliveryState, NewWebhook, Webhook, WebhookChange, WebhookEvent, WebhookSecret,
};
use std::net::IpAddr;
use std::time::Duration;

/// What is wrong with an endpoint, in the rules' words.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    Url(String),
    #[error("{0}")]
    Events(String),
    #[error("A description is at most 200 characters, without control characters.")]
    Description,
    #[error("There is no webhook {0}.")]
    Unknown(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const LONGEST_URL: usize = 2_000;
const LONGEST_DESCRIPTION: usize = 200;

/// Whether an address is one a webhook may reach without the server's
/// leave: not this machine, not a private or link-local network, not
/// multicast, broadcast or reserved (server-side request forgery).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_unspecified()
                || v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                // Shared address space (carrier-grade NAT), benchmarking,
                // the IETF's own and the reserved ones.
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            // IPv4-compatible (::a.b.c.d) and IPv4-translated
            // (::ffff:0:a.b.c.d): the IPv4 address inside decides.
            if !v6.is_unspecified()
                && !v6.is_loopback()
                && (s[..6] == [0; 6] || (s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0))
            {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return is_public(IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d)));
            }
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                // Site-local (deprecated, still routed privately).
                || (s[0] & 0xffc0) == 0xfec0
                // Documentation; NAT64, 6to4 and Teredo, which reach IPv4
                // addresses this check has not seen; discard-only.
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x0064 && s[1] == 0xff9b)
                || s[0] == 0x2002
                || (s[0] == 0x2001 && s[1] == 0)
                || (s[0] == 0x0100 && s[1..4] == [0; 3]))
        }
    }
}

/// A URL an endpoint may have. With `allow_private`, addresses on this
/// machine and private networks are taken too (a receiver beside Chime).
pub async fn parse_url(raw: &str, allow_private: bool) -> Result<String, WebhookError> {
    let bad = |why: &str| WebhookError::Url(format!("The URL {why}."));
    let raw = raw.trim();
    if raw.chars().count() > LONGEST_URL {
        return Err(bad("is longer than 2,000 characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| bad(&format!("cannot be read ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not hold a user name or password (messages are signed instead)",
        ));
    }
    if url.fragment().is_some() {
        return Err(bad("must not have a #fragment"));
    }
    let private = || {
        bad(
            "points at this machine or a private network, which this server does not allow (--webhook-private-targets)",
        )
    };
    match url.host() {
        None => return Err(bad("has no host")),
        Some(url::Host::Ipv4(ip)) if !allow_private && !is_public(IpAddr::V4(ip)) => {
            return Err(private());
        }
        Some(url::Host::Ipv6(ip)) if !allow_private && !is_public(IpAddr::V6(ip)) => {
            return Err(private());
        }
        Some(url::Host::Domain(name)) if !allow_private => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                return Err(private());
            }
            // Where the name points now; a name that cannot be resolved yet
            // is taken (each delivery resolves it again, and refuses a
            // private address then too).
            let port = url.port_or_known_default().unwrap_or(443);
            let lookup = tokio::net::lookup_host((name.as_str(), port));
            if let Ok(Ok(addresses)) = tokio::time::timeout(Duration::from_secs(2), lookup).await {
                let addresses: Vec<_> = addresses.collect();
                if !addresses.is_empty() && addresses.iter().all(|a| !is_public(a.ip())) {
                    return Err(private());
                }
            }
        }
        Some(_) => {}
    }
    Ok(url.to_string())
}

/// Event names as an endpoint keeps them: known ones, each once, in
/// `WebhookEvent` order, space-separated.
pub fn parse_events(raw: &[String]) -> Result<String, WebhookError> {
    if raw.is_empty() {
        return Err(WebhookError::Events(
            "Choose at least one event.".to_owned(),
        ));
    }
    let mut events = Vec::with_capacity(raw.len());
    for name in raw {
        let event = WebhookEvent::parse(name.trim()).ok_or_else(|| {
            let known: Vec<&str> = WebhookEvent::ALL.iter().map(|e| e.as_str()).collect();
            WebhookError::Events(format!(
                "{:?} is not an event; the events are {}.",
                name.chars().take(60).collect::<String>(),
                known.join(", ")
            ))
        })?;
        events.push(event);
    }
    events.sort();
    events.dedup();
    Ok(events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" "))
}

fn parse_description(raw: Option<&str>) -> Result<String, WebhookError> {
    let text = raw.unwrap_or_default().trim();
    if text.chars().count() > LONGEST_DESCRIPTION || text.chars().any(char::is_control) {
        return Err(WebhookError::Description);
    }
    Ok(text.to_owned())
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", BASE64.encode(bytes))
}

/// The `webhook-signature` of a message (Standard Webhooks, version 1):
/// the HMAC-SHA256 of `id.timestamp.body` under the secret's bytes.
pub fn signature(secret: &str, message_id: &str, timestamp: i64, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .unwrap_or_else(|_| secret.as_bytes().to_vec());
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("HMAC takes any key");
    mac.update(message_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

/// An endpoint as admins see it.
pub fn view(record: &WebhookRecord) -> Webhook {
    Webhook {
        id: record.id,
        url: record.url.clone(),
        events: record
            .events
            .split_whitespace()
            .filter_map(WebhookEvent::parse)
            .collect(),
        description: record.description.clone(),
        active: record.paused_at.is_none(),
        paused_reason: record.paused_reason.clone(),
        paused_at: record.paused_at.map(from_millis),
        created_at: from_millis(record.created_at),
        failures: u64::try_from(record.failures).unwrap_or(0),
        last_success_at: record.last_success_at.map(from_millis),
        last_failure_at: record.last_failure_at.map(from_millis),
        waiting: u64::try_from(record.waiting).unwrap_or(0),
    }
}

fn delivery_view(record: &DeliveryRecord) -> Delivery {
    Delivery {
        id: record.id,
        message_id: record.message_id.clone(),
        event: WebhookEvent::parse(&record.event).unwrap_or(WebhookEvent::Created),
        state: if record.delivered_at.is_some() {
            DeliveryState::Delivered
        } else if record.failed_at.is_some() {
            DeliveryState::Failed
        } else {
            DeliveryState::Waiting
        },
        attempts: u64::try_from(record.attempts).unwrap_or(0),
        created_at: from_millis(record.created_at),
        next_attempt_at: record.next_attempt_at.map(from_millis),
        delivered_at: record.delivered_at.map(from_millis),
        last_status: record.last_status.and_then(|s| u16::try_from(s).ok()),
        last_error: record.last_error.clone(),
    }
}

pub async fn list(store: &dyn OutboxStore) -> Result<Vec<Webhook>, WebhookError> {
    Ok(store.webhooks().await?.iter().map(view).collect())
}

pub async fn add(
    store: &dyn OutboxStore,
    new: &NewWebhook,
    allow_private: bool,
    now: i64,
) -> Result<WebhookSecret, WebhookError> {
    let url = parse_url(&new.url, allow_private).await?;
    let events = parse_events(&new.events)?;
    let description = parse_description(new.description.as_deref())?;
    let secret = new_secret();
    let record = store
        .add_webhook(&NewWebhookRecord {
            url,
            events,
            description,
            secret: secret.clone(),
            created_at: now,
        })
        .await?;
    Ok(WebhookSecret {
        webhook: view(&record),
        secret,
    })
}

pub async fn change(
    store: &dyn OutboxStore,
    id: i64,
    change: &WebhookChange,
    allow_private: bool,
    now: i64,
    by: &str,
) -> Result<Webhook, WebhookError> {
    let update = WebhookUpdate {
        url: match &change.url {
            Some(raw) => Some(parse_url(raw, allow_private).await?),
            None => None,
        },
        events: change.events.as_deref().map(parse_events).transpose()?,
        description: change
            .description
            .as_deref()
            .map(|d| parse_description(Some(d)))
            .transpose()?,
        active: change.active,
        paused_reason: Some(format!("Paused by {by}.")),
    };
    let record = store
        .change_webhook(id, &update, now)
        .await?
        .ok_or(WebhookError::Unknown(id))?;
    Ok(view(&record))
}

pub async fn remove(store: &dyn OutboxStore, id: i64) -> Result<(), WebhookError> {
    if store.remove_webhook(id).await? {
        Ok(())
    } else {
        Err(WebhookError::Unknown(id))
    }
}

pub async fn rotate_secret(
    store: &dyn OutboxStore,
    id: i64,
) -> Result<WebhookSecret, WebhookError> {
    let secret = new_secret();
    let record = store
        .set_webhook_secret(id, &secret)
        .await?
        .ok_or(WebhookError::Unknown(id))?;
    Ok(WebhookSecret {
        webhook: view(&record),
        secret,
    })
}

pub async fn deliveries(
    store: &dyn OutboxStore,
    id: i64,
    limit: u32,
) -> Result<Vec<Delivery>, WebhookError> {
    if store.webhook(id).await?.is_none() {
        return Err(WebhookError::Unknown(id));
    }
    Ok(store
        .deliveries(id, limit)
        .await?
        .iter()
        .map(delivery_view)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's own example.
    #[test]
    fn signs_as_the_specification_does() {
        assert_eq!(
            signature(
                "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1_649_367_553,
                br#"{"email":"test@example.com","username":"test_user"}"#,
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn private_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "::127.0.0.1",
            "::ffff:0:10.0.0.1",
            "2002:7f00:1::",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "fec0::1",
            "100::1",
        ] {
            assert!(
                !is_public(private.parse().expect("an address")),
                "{private}"
            );
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(is_public(public.parse().expect("an address")), "{public}");
        }
    }

    #[tokio::test]
    async fn urls_on_this_machine_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "http://localhost/hook",
            "http://x.localhost/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.1/",
        ] {
            assert!(
                matches!(parse_url(url, false).await, Err(WebhookError::Url(_))),
                "{url}"
            );
            assert!(parse_url(url, true).await.is_ok(), "{url} allowed");
        }
        for bad in [
            "ftp://example.org/",
            "https://user:pw@example.org/",
            "https://example.org/#x",
            "not a url",
        ] {
            assert!(parse_url(bad, true).await.is_err(), "{bad}");
        }
        assert_eq!(
            parse_url("https://93.184.216.34/hook", false)
                .await
                .ok()
                .as_deref(),
            Some("https://93.184.216.34/hook")
        );
    }

    #[test]
    fn events_are_known_ones_each_once_in_order() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            parse_events(&names(&[
                "comment.reported",
                "comment.created",
                "comment.reported"
            ]))
            .ok()
            .as_deref(),
            Some("comment.created comment.reported")
        );
        assert!(parse_events(&[]).is_err());
        assert!(parse_events(&names(&["comment.liked"])).is_err());
    }
}
