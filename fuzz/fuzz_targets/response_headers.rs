//! The response-header plan: `plan_response_headers` (and `Policy`'s append-only fast path)
//! against a naive simulation of Starlette's `MutableHeaders` edits of the app's start message.
//!
//! Input: flags (bits 0-1 the origin outcome; 4 `*` origins, 8 credentials, 16 exposed headers),
//! the exposed headers value, then the app's headers: a count, and for each a code byte (low
//! nibble: a well-known name, a non-bytes name, or a field of its own; 0x80: a non-bytes value)
//! followed by the fields it needs.
#![no_main]

use fastcors_fuzz::{simulate_merged_vary, simulate_set, Input, SimulatedHeader};
use libfuzzer_sys::fuzz_target;

use _fastcors::constants::names;
use _fastcors::membership::Membership;
use _fastcors::origin::OriginRegex;
use _fastcors::origin_patterns::OriginPatterns;
use _fastcors::policy::{Policy, PolicyConfig};
use _fastcors::request_headers::AllowedHeaders;
use _fastcors::response_headers::{
    plan_response_headers, ExistingHeader, Header, NewHeader, OriginOutcome, Slot, VaryNotBytes,
};

const WELL_KNOWN: [&[u8]; 10] = [
    b"vary",
    b"access-control-allow-origin",
    b"access-control-allow-credentials",
    b"access-control-expose-headers",
    b"Vary",
    b"VARY",
    b"content-type",
    b"access-control-allow-methods",
    b"x",
    b"origin",
];
const ORIGIN: &[u8] = b"https://request.origin";

fn render(
    slot: &Slot,
    existing: &[ExistingHeader<'_>],
    simple: &[Header],
) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let named = |name: &[u8], value: &[u8]| (Some(name.to_vec()), Some(value.to_vec()));
    match slot {
        Slot::Existing(index) => {
            (existing[*index].name.map(<[u8]>::to_vec), existing[*index].value.map(<[u8]>::to_vec))
        }
        Slot::New(NewHeader::Simple(index)) => named(simple[*index].name, &simple[*index].value),
        Slot::New(NewHeader::EchoedOrigin) => named(names::ALLOW_ORIGIN, ORIGIN),
        Slot::New(NewHeader::VaryOrigin) => named(names::VARY, b"Origin"),
        Slot::New(NewHeader::MergedVary(value)) => named(names::VARY, value),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let flags = input.byte();
    let outcome = match flags & 3 {
        0 => OriginOutcome::Absent,
        1 => OriginOutcome::NotEchoed,
        _ => OriginOutcome::Echoed,
    };
    let (allow_all, credentials, expose) = (flags & 4 != 0, flags & 8 != 0, flags & 16 != 0);
    let exposed = input.field();
    let count = usize::from(input.byte()) % 17;
    let mut existing = Vec::with_capacity(count);
    for _ in 0..count {
        let code = input.byte();
        let name = match usize::from(code & 0x0F) {
            index if index < WELL_KNOWN.len() => Some(WELL_KNOWN[index]),
            10 => None,
            _ => Some(input.field()),
        };
        let value = if code & 0x80 != 0 { None } else { Some(input.field()) };
        existing.push(ExistingHeader { name, value });
    }

    // The simple-response headers, as Starlette's constructor orders them.
    let mut simple = Vec::new();
    if allow_all {
        simple.push(Header::new(names::ALLOW_ORIGIN, *b"*"));
    }
    if credentials {
        simple.push(Header::new(names::ALLOW_CREDENTIALS, *b"true"));
    }
    if expose {
        simple.push(Header::new(names::EXPOSE_HEADERS, exposed));
    }

    // Starlette's `send`: update(simple_headers) when there is an Origin, the echoed origin, Vary.
    let mut simulated: Vec<SimulatedHeader> = existing
        .iter()
        .enumerate()
        .map(|(index, header)| SimulatedHeader {
            name: header.name.map(<[u8]>::to_vec),
            value: header.value.map(<[u8]>::to_vec),
            from_app: Some(index),
        })
        .collect();
    if outcome != OriginOutcome::Absent {
        for header in &simple {
            simulate_set(&mut simulated, header.name, &header.value);
        }
    }
    if outcome == OriginOutcome::Echoed {
        simulate_set(&mut simulated, names::ALLOW_ORIGIN, ORIGIN);
    }
    let expected = simulate_merged_vary(&simulated).map(|vary| {
        simulate_set(&mut simulated, names::VARY, &vary);
        simulated.iter().map(|header| (header.name.clone(), header.value.clone())).collect::<Vec<_>>()
    });

    let plan = plan_response_headers(&existing, &simple, outcome);
    let actual = plan
        .as_ref()
        .map(|slots| slots.iter().map(|slot| render(slot, &existing, &simple)).collect::<Vec<_>>())
        .map_err(|VaryNotBytes { index }| *index);
    assert_eq!(actual, expected, "{existing:?} / {outcome:?}");

    // The same plan through a whole `Policy` with these simple headers; and when the app set none
    // of the headers the edits touch, the precomputed appended headers are exactly the plan's tail.
    let policy = Policy::new(PolicyConfig {
        allow_all_origins: allow_all,
        allowed_origins: Membership::exact(Vec::<Vec<u8>>::new()),
        origin_regex: OriginRegex::Absent,
        origin_judged_by_host: false,
        allowed_methods: Membership::exact([&b"GET"[..]]),
        allow_all_headers: false,
        allowed_headers: AllowedHeaders::new(Vec::<Vec<u8>>::new()),
        allow_credentials: credentials,
        allow_private_network: false,
        allow_methods_value: (*b"GET").into(),
        allow_headers_value: (*b"").into(),
        expose_headers_value: expose.then(|| exposed.into()),
        max_age_value: (*b"600").into(),
        origin_patterns: OriginPatterns::default(),
        asks_origin_func: false,
    });
    assert_eq!(policy.simple_headers(), simple.as_slice());
    assert_eq!(policy.plan_response_headers(&existing, outcome), plan);
    let touched = existing.iter().any(|header| header.name.is_some_and(Policy::edits_response_header));
    if !touched {
        let slots = plan.expect("no Vary of the app's to read");
        let (kept, appended) = slots.split_at(existing.len());
        assert!(kept.iter().enumerate().all(|(index, slot)| *slot == Slot::Existing(index)));
        let appended: Vec<NewHeader> = appended
            .iter()
            .map(|slot| match slot {
                Slot::New(header) => header.clone(),
                Slot::Existing(index) => panic!("app header {index} moved"),
            })
            .collect();
        assert_eq!(appended, policy.appended_headers(outcome));
    }
});
