//! `Access-Control-Request-Headers`: `AllowedHeaders::allows` against Starlette's rule written
//! out naively (split on ',', Python's `lower()`, Python's `strip()`, list membership).
//!
//! Input: flags, the configured names (lowercased here as `fastcors._config` does), then the
//! requested value (the rest). With flag 1 the rest is a recipe instead: each of its first 256
//! bytes picks a configured name (low bits), uppercases it (0x40) and pads it with Python
//! whitespace (0x80), so that allowed lists are reached as often as refused ones.
#![no_main]

use fastcors_fuzz::{reference_headers_allowed, reference_lower, Input};
use libfuzzer_sys::fuzz_target;

use _fastcors::request_headers::AllowedHeaders;

const PADDING: [&[u8]; 4] = [b" ", b"\t", b"\xa0", b"\x1c\x85"];

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let flags = input.byte();
    let names: Vec<Vec<u8>> =
        input.list(12).iter().map(|name| name.iter().map(|&byte| reference_lower(byte)).collect()).collect();
    let rest = input.rest();
    let requested: Vec<u8> = if flags & 1 != 0 && !names.is_empty() {
        // At most 256 steps: names can be 255 bytes long, and the point is variety, not bulk.
        let items: Vec<Vec<u8>> = rest[..rest.len().min(256)]
            .iter()
            .map(|&step| {
                let name = &names[usize::from(step & 0x3F) % names.len()];
                let mut item = if step & 0x40 != 0 { name.to_ascii_uppercase() } else { name.clone() };
                if step & 0x80 != 0 {
                    let pad = PADDING[usize::from(step) % PADDING.len()];
                    item = [pad, &item, pad].concat();
                }
                item
            })
            .collect();
        items.join(&b","[..])
    } else {
        rest.to_vec()
    };
    let allowed = AllowedHeaders::new(names.iter().cloned());
    assert_eq!(
        allowed.allows(&requested),
        reference_headers_allowed(&names, &requested),
        "{requested:?} against {names:?}"
    );
});
