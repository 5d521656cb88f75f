//! Reading an XML export as a stream: gzip or not, in whatever encoding
//! it declares (or its byte-order mark says), one element at a time, so a
//! file of any size needs the memory of one record.

use super::ImportError;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// The file as UTF-8: gunzipped when it is gzip, decoded from the encoding
/// its byte-order mark or XML declaration names (UTF-8 when it names none).
pub(super) fn open(path: &Path) -> Result<Box<dyn BufRead>, ImportError> {
    let file = File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut raw = BufReader::with_capacity(1 << 16, file);
    let gzip = raw
        .fill_buf()
        .map_err(|e| ImportError::io(path, e))?
        .starts_with(&[0x1f, 0x8b]);
    let mut plain: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(raw)
    };
    let head = plain.fill_buf().map_err(|e| ImportError::io(path, e))?;
    let encoding = declared_encoding(head);
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(encoding)
        .bom_override(true)
        .strip_bom(true)
        .build(plain);
    Ok(Box::new(BufReader::with_capacity(1 << 16, decoded)))
}

/// The encoding a document's start names: its byte-order mark, else the
/// `encoding` of its XML declaration.
fn declared_encoding(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(head) {
        return Some(encoding);
    }
    let head = &head[..head.len().min(512)];
    let end = head.windows(2).position(|w| w == b"?>")?;
    let declaration = std::str::from_utf8(&head[..end]).ok()?;
    let rest = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let label = rest[quote.len_utf8()..].split(quote).next()?;
    encoding_rs::Encoding::for_label(label.trim().as_bytes())
}

/// What the reader meets next.
#[derive(Debug)]
pub(super) enum Node {
    /// An element opens: its local name (without a namespace prefix) and
    /// attributes (the same); `empty` for `<x/>`, which has no `End`.
    Start {
        name: String,
        attributes: Vec<(String, String)>,
        empty: bool,
    },
    End,
    Text(String),
    Eof,
}

/// An element's descendants, flattened: each leaf's text by its path
/// below the element (`author/name`), each attribute as `path@name`
/// (`thread@id`). Repeated paths keep the last.
#[derive(Debug, Default)]
pub(super) struct Record {
    pub fields: HashMap<String, String>,
}

impl Record {
    pub fn get(&self, path: &str) -> Option<&str> {
        self.fields.get(path).map(String::as_str)
    }

    /// Trimmed, and `None` when blank.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path).map(str::trim).filter(|s| !s.is_empty())
    }

    pub fn flag(&self, path: &str) -> bool {
        self.text(path)
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }
}

pub(super) struct Xml {
    reader: quick_xml::Reader<Box<dyn BufRead>>,
    buf: Vec<u8>,
    /// Elements open now.
    pub depth: usize,
}

fn local(name: &[u8]) -> String {
    let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
    String::from_utf8_lossy(local).into_owned()
}

impl Xml {
    pub fn new(input: Box<dyn BufRead>) -> Self {
        let mut reader = quick_xml::Reader::from_reader(input);
        reader.config_mut().check_end_names = true;
        Self {
            reader,
            buf: Vec::with_capacity(1 << 12),
            depth: 0,
        }
    }

    /// Where in the (decoded) input the reader is, in bytes.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn refused(&self, reason: impl std::fmt::Display) -> ImportError {
        ImportError::Refused {
            at: format!("byte {}", self.reader.error_position().max(self.position())),
            reason: reason.to_string(),
        }
    }

    pub fn next(&mut self) -> Result<Node, ImportError> {
        loop {
            self.buf.clear();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => event,
                Err(e) => return Err(self.refused(format!("not well-formed XML: {e}"))),
            };
            let position = self.reader.buffer_position();
            let refused = |reason: String| ImportError::Refused {
                at: format!("byte {position}"),
                reason,
            };
            let node = match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(event, Event::Empty(_));
                    let mut attributes = Vec::new();
                    for attribute in e.attributes() {
                        let attribute =
                            attribute.map_err(|e| refused(format!("a bad attribute: {e}")))?;
                        let value = attribute
                            .unescape_value()
                            .map_err(|e| refused(format!("a bad attribute: {e}")))?;
                        attributes.push((local(attribute.key.as_ref()), value.into_owned()));
                    }
                    if !empty {
                        self.depth += 1;
                    }
                    Node::Start {
                        name: local(e.name().as_ref()),
                        attributes,
                        empty,
                    }
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    Node::End
                }
                Event::Text(t) => Node::Text(
                    t.xml10_content()
                        .map_err(|e| refused(format!("bad text: {e}")))?
                        .into_owned(),
                ),
                Event::CData(t) => Node::Text(
                    t.xml10_content()
                        .map_err(|e| refused(format!("bad text: {e}")))?
                        .into_owned(),
                ),
                Event::GeneralRef(r) => {
                    let text = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => {
                            let name = r.decode().map_err(|e| refused(format!("bad text: {e}")))?;
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(text) => text.to_owned(),
                                // An entity the document's DTD would name: kept
                                // as written rather than lost.
                                None => format!("&{name};"),
                            }
                        }
                        Err(e) => return Err(refused(format!("a bad character reference: {e}"))),
                    };
                    Node::Text(text)
                }
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(self.refused("the file ends inside an element (cut short?)"));
                    }
                    Node::Eof
                }
                // Declarations, comments, processing instructions.
                _ => continue,
            };
            return Ok(node);
        }
    }

    /// Reads the rest of an element whose `Start` was just read (not an
    /// empty one) into a [`Record`].
    pub fn record(&mut self) -> Result<Record, ImportError> {
        let mut record = Record::default();
        let mut path: Vec<String> = Vec::new();
        let mut text = String::new();
        loop {
            match self.next()? {
                Node::Start {
                    name,
                    attributes,
                    empty,
                } => {
                    // Records hold data, not prose: what came before a
                    // child (the indentation) is nobody's text.
                    text.clear();
                    path.push(name);
                    let here = path.join("/");
                    for (key, value) in attributes {
                        record.fields.insert(format!("{here}@{key}"), value);
                    }
                    if empty {
                        record.fields.entry(here).or_default();
                        path.pop();
                    }
                }
                Node::Text(t) => text.push_str(&t),
                Node::End => {
                    // The record's own text is under the empty path.
                    let here = path.join("/");
                    let taken = std::mem::take(&mut text);
                    // A leaf's text; an element with children keeps what
                    // they said (the blanks between them are not its text).
                    if !taken.trim().is_empty() || !record.fields.contains_key(&here) {
                        record.fields.insert(here, taken);
                    }
                    if path.pop().is_none() {
                        return Ok(record);
                    }
                }
                Node::Eof => return Err(self.refused("the file ends inside an element")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::declared_encoding;

    #[test]
    fn the_declared_encoding_is_read_and_a_bad_declaration_is_none() {
        let latin = declared_encoding(b"<?xml version='1.0' encoding='ISO-8859-1'?><a/>");
        assert_eq!(latin, Some(encoding_rs::WINDOWS_1252));
        assert_eq!(
            declared_encoding("<?xml version=\"1.0\" encoding=é?>".as_bytes()),
            None
        );
        assert_eq!(declared_encoding(b"<?xml version=\"1.0\"?>"), None);
        assert_eq!(
            declared_encoding(&[0xff, 0xfe, b'<', 0]),
            Some(encoding_rs::UTF_16LE)
        );
    }
}
