//! The edits Starlette makes to an app's `http.response.start` headers.
//!
//! Starlette applies them through `MutableHeaders`: setting a header replaces the first one of that
//! name in place and drops later duplicates, or appends it; names compare byte-exactly, so an
//! app's `b"Vary"` is neither merged nor replaced. This module plans the same edits as a list of
//! slots, so that the bindings can rebuild the header list reusing the app's own items.

use crate::constants::names;

/// A header with a name known at build time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: &'static [u8],
    pub value: Box<[u8]>,
}

impl Header {
    pub fn new(name: &'static [u8], value: impl Into<Box<[u8]>>) -> Self {
        Self { name, value: value.into() }
    }
}

/// One item of the app's header list. A name that is not `bytes` never matches (`None`), as in
/// Starlette; a value is only read when its header is merged (`Vary`).
#[derive(Debug, Clone, Copy)]
pub struct ExistingHeader<'a> {
    pub name: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
}

/// What the request's `Origin` led to, for a response the app makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginOutcome {
    /// No `Origin` header: only `Vary: Origin` is added.
    Absent,
    /// An `Origin` that is not echoed (refused, or allowed by a plain `*`): the simple-response
    /// headers and `Vary`.
    NotEchoed,
    /// An `Origin` echoed in `Access-Control-Allow-Origin`, with the simple-response headers and `Vary`.
    Echoed,
}

/// A header the edits add or rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewHeader {
    /// The policy's simple-response header at this index.
    Simple(usize),
    /// `Access-Control-Allow-Origin` with the request's `Origin` value.
    EchoedOrigin,
    /// `Vary: Origin`, nothing to merge.
    VaryOrigin,
    /// `Vary` merged from the app's values, then `Origin`.
    MergedVary(Vec<u8>),
}

/// One header of the edited list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// The app's header at this index, untouched.
    Existing(usize),
    /// A header set by the CORS edits.
    New(NewHeader),
}

/// The app sent a header named `Vary` whose value is not bytes; Starlette fails there too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaryNotBytes {
    pub index: usize,
}

/// Plans Starlette's edits of a response's headers: the simple-response headers (when there is
/// an `Origin`), the echoed origin, then `Vary` merged with `Origin` (always).
///
/// # Errors
/// `VaryNotBytes` when a `Vary` value of the app's must be read but is not bytes.
pub fn plan_response_headers(
    existing: &[ExistingHeader<'_>],
    simple_headers: &[Header],
    outcome: OriginOutcome,
) -> Result<Vec<Slot>, VaryNotBytes> {
    let mut slots: Vec<Slot> = (0..existing.len()).map(Slot::Existing).collect();
    let name_of = |slot: &Slot| match slot {
        Slot::Existing(index) => existing[*index].name,
        Slot::New(new) => Some(match new {
            NewHeader::Simple(index) => simple_headers[*index].name,
            NewHeader::EchoedOrigin => names::ALLOW_ORIGIN,
            NewHeader::VaryOrigin | NewHeader::MergedVary(_) => names::VARY,
        }),
    };
    let set = |slots: &mut Vec<Slot>, name: &[u8], header: NewHeader| {
        let mut header = Some(header);
        slots.retain_mut(|slot| {
            if name_of(slot) != Some(name) {
                return true;
            }
            match header.take() {
                Some(new) => {
                    *slot = Slot::New(new);
                    true
                }
                None => false,
            }
        });
        if let Some(new) = header {
            slots.push(Slot::New(new));
        }
    };

    if outcome != OriginOutcome::Absent {
        for (index, header) in simple_headers.iter().enumerate() {
            set(&mut slots, header.name, NewHeader::Simple(index));
        }
    }
    if outcome == OriginOutcome::Echoed {
        set(&mut slots, names::ALLOW_ORIGIN, NewHeader::EchoedOrigin);
    }
    let vary = merged_vary(existing, &slots)?;
    set(&mut slots, names::VARY, vary);
    Ok(slots)
}

/// `", ".join([*headers.getlist("Vary"), "Origin"])`.
fn merged_vary(existing: &[ExistingHeader<'_>], slots: &[Slot]) -> Result<NewHeader, VaryNotBytes> {
    let mut merged = Vec::new();
    // Only the app's headers can be named vary at this point: the simple headers never are.
    for slot in slots {
        let Slot::Existing(index) = *slot else {
            continue;
        };
        let header = existing[index];
        if header.name != Some(names::VARY) {
            continue;
        }
        let value = header.value.ok_or(VaryNotBytes { index })?;
        merged.extend_from_slice(value);
        merged.extend_from_slice(b", ");
    }
    if merged.is_empty() {
        return Ok(NewHeader::VaryOrigin);
    }
    merged.extend_from_slice(b"Origin");
    Ok(NewHeader::MergedVary(merged))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(name: &'a [u8], value: &'a [u8]) -> ExistingHeader<'a> {
        ExistingHeader { name: Some(name), value: Some(value) }
    }

    fn simple() -> Vec<Header> {
        vec![Header::new(names::ALLOW_ORIGIN, *b"*"), Header::new(names::ALLOW_CREDENTIALS, *b"true")]
    }

    #[test]
    fn without_origin_only_vary_is_appended() {
        let app = [header(b"content-type", b"text/plain")];
        let plan = plan_response_headers(&app, &simple(), OriginOutcome::Absent).unwrap();
        assert_eq!(plan, [Slot::Existing(0), Slot::New(NewHeader::VaryOrigin)]);
    }

    #[test]
    fn simple_headers_then_echo_replace_the_wildcard_in_place() {
        let plan = plan_response_headers(&[], &simple(), OriginOutcome::Echoed).unwrap();
        assert_eq!(
            plan,
            [
                Slot::New(NewHeader::EchoedOrigin),
                Slot::New(NewHeader::Simple(1)),
                Slot::New(NewHeader::VaryOrigin)
            ]
        );
    }

    #[test]
    fn existing_vary_values_are_merged_into_the_first_and_duplicates_dropped() {
        let app = [header(b"vary", b"Accept"), header(b"x", b"1"), header(b"vary", b"Cookie")];
        let plan = plan_response_headers(&app, &[], OriginOutcome::NotEchoed).unwrap();
        assert_eq!(
            plan,
            [Slot::New(NewHeader::MergedVary(b"Accept, Cookie, Origin".to_vec())), Slot::Existing(1)]
        );
    }

    #[test]
    fn names_compare_byte_exactly_so_capitalised_vary_is_left_alone() {
        let app = [header(b"Vary", b"Accept")];
        let plan = plan_response_headers(&app, &[], OriginOutcome::Absent).unwrap();
        assert_eq!(plan, [Slot::Existing(0), Slot::New(NewHeader::VaryOrigin)]);
    }

    #[test]
    fn an_apps_cors_header_is_overwritten_where_it_stands() {
        let app = [header(b"access-control-allow-origin", b"https://app.set"), header(b"x", b"1")];
        let plan = plan_response_headers(&app, &simple(), OriginOutcome::NotEchoed).unwrap();
        assert_eq!(
            plan,
            [
                Slot::New(NewHeader::Simple(0)),
                Slot::Existing(1),
                Slot::New(NewHeader::Simple(1)),
                Slot::New(NewHeader::VaryOrigin)
            ]
        );
    }

    #[test]
    fn names_that_are_not_bytes_never_match() {
        let app = [ExistingHeader { name: None, value: None }];
        let plan = plan_response_headers(&app, &[], OriginOutcome::Absent).unwrap();
        assert_eq!(plan, [Slot::Existing(0), Slot::New(NewHeader::VaryOrigin)]);
    }

    #[test]
    fn a_vary_value_that_is_not_bytes_is_an_error() {
        let app = [header(b"x", b"1"), ExistingHeader { name: Some(b"vary"), value: None }];
        assert_eq!(plan_response_headers(&app, &[], OriginOutcome::Absent), Err(VaryNotBytes { index: 1 }));
    }
}
