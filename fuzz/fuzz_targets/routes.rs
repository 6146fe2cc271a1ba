//! The route table: `Routes::find`'s tree of segments against every prefix tried on its own by a
//! naive reference (the longest whole-segment prefix of the path wins).
//!
//! Input: flags, prefixes (a list; those the constructor would refuse are left out), a pick, then
//! the rest. flags: 1 the path is the picked prefix followed by the rest (else the path is the
//! rest), 2 the prefixes' bytes are taken as they are, or else each is given a leading `/`.
#![no_main]

use fastcors_fuzz::routes::{is_prefix, reference_route};
use fastcors_fuzz::Input;
use libfuzzer_sys::fuzz_target;

use _fastcors::routes::Routes;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let flags = input.byte();
    let candidates = input.list(8);
    let pick = usize::from(input.byte());
    let rest = input.rest();

    let prefixes: Vec<Vec<u8>> = candidates
        .iter()
        .map(|candidate| if flags & 2 != 0 { candidate.to_vec() } else { [b"/", *candidate].concat() })
        .filter(|prefix| is_prefix(prefix))
        .collect();
    let prefixes: Vec<&[u8]> = prefixes.iter().map(Vec::as_slice).collect();
    let routes = Routes::new(prefixes.iter().copied());

    let path = match prefixes.get(pick % prefixes.len().max(1)) {
        Some(chosen) if flags & 1 != 0 => [*chosen, rest].concat(),
        _ => rest.to_vec(),
    };
    assert_eq!(routes.find(&path), reference_route(&prefixes, &path), "{prefixes:?} on {path:?}");
});
