//! What keeps readers' views current: the event bus (in this process, and
//! between servers over PostgreSQL) and the page cache whose pages every
//! change drops, here and on the other servers.

pub mod events;
pub mod page_cache;
