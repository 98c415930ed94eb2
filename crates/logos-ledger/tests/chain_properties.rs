//! Properties of the hash chain: it round-trips, and no single change to any
//! entry (a flipped bit, a dropped, duplicated or swapped entry) goes unnoticed
//! by someone who knows the head.

use logos_core::{Actor, Capability, Edge, NodeId, NodeManifest, Port, PortRef, PortType};
use logos_ledger::{ChainFault, Entry, Event, Keyring, verify_chain};
use proptest::prelude::*;

fn event_strategy() -> impl Strategy<Value = Event> {
    let id = any::<[u8; 32]>().prop_map(NodeId::from_bytes);
    let edge = (id.clone(), id.clone(), "[a-z]{1,8}", "[a-z]{1,8}")
        .prop_map(|(a, b, p, q)| Edge::new(PortRef::new(a, p), PortRef::new(b, q)));
    prop_oneof![
        (id.clone(), "[a-z]{1,12}", any::<u64>()).prop_map(|(id, name, wasm_len)| Event::NodeCreated {
            id,
            manifest: NodeManifest {
                name,
                inputs: vec![Port::new("x", PortType::U64)],
                outputs: vec![Port::new("y", PortType::list(PortType::String))],
                capabilities: [Capability::Log].into_iter().collect(),
            },
            wasm_len,
        }),
        edge.clone().prop_map(|edge| Event::EdgeAdded { edge }),
        edge.prop_map(|edge| Event::EdgeRemoved { edge }),
        id.clone().prop_map(|node| Event::Promoted { node }),
        (id.clone(), id).prop_map(|(from, to)| Event::Migrated { from, to }),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(|policy| Event::PolicyChanged { policy }),
    ]
}

fn chain(events: Vec<(Event, u64)>) -> Vec<Vec<u8>> {
    let genesis =
        Event::Genesis { origin: "test/log".into(), keyring: Keyring { keys: vec![[9; 32]], quorum: 1 } };
    let mut out = Vec::new();
    let mut prev = [0u8; 32];
    for (seq, (event, ts)) in std::iter::once((genesis, 0)).chain(events).enumerate() {
        let entry = Entry {
            seq: seq as u64,
            prev,
            actor: if seq % 2 == 0 { Actor::Host } else { Actor::Agent("bot".into()) },
            timestamp_ms: ts,
            event,
            authorization: None,
        };
        prev = entry.hash();
        out.push(entry.encode());
    }
    out
}

fn chains() -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec((event_strategy(), any::<u64>()), 0..12).prop_map(chain)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn honest_chains_verify(entries in chains()) {
        let (size, head) = verify_chain(&entries).expect("an honest chain verifies");
        prop_assert_eq!(size, entries.len() as u64);
        prop_assert_eq!(head, logos_ledger::hash_encoded(entries.last().expect("genesis")));
    }

    #[test]
    fn any_flipped_bit_is_detected(entries in chains(), pick in any::<prop::sample::Index>(), bit in 0u8..8) {
        let honest = verify_chain(&entries).expect("honest");
        let mut bad = entries.clone();
        let i = pick.index(bad.len());
        let j = (bit as usize * 7919 + i) % bad[i].len();
        bad[i][j] ^= 1 << bit;
        match verify_chain(&bad) {
            // The mutated entry still decoded and chained: then the head must differ.
            Ok(result) => prop_assert_ne!(result, honest),
            // Otherwise the error points at the mutated entry or the one after it.
            Err(e) => prop_assert!(e.seq == i as u64 || e.seq == i as u64 + 1, "seq {} for mutation at {}", e.seq, i),
        }
    }

    #[test]
    fn dropping_or_duplicating_an_entry_is_detected(entries in chains(), pick in any::<prop::sample::Index>(), dup in any::<bool>()) {
        let honest = verify_chain(&entries).expect("honest");
        let mut bad = entries.clone();
        let i = pick.index(bad.len());
        if dup { bad.insert(i, bad[i].clone()); } else { bad.remove(i); }
        prop_assert_ne!(verify_chain(&bad).ok(), Some(honest));
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Entry::decode(&bytes);
        let _ = verify_chain([bytes]);
    }
}

#[test]
fn swapped_entries_name_the_first_bad_seq() {
    let mut entries = chain(vec![
        (Event::Promoted { node: NodeId::of_wasm(b"a") }, 1),
        (Event::Deprecated { node: NodeId::of_wasm(b"a") }, 2),
    ]);
    entries.swap(1, 2);
    let err = verify_chain(&entries).unwrap_err();
    assert_eq!(err.seq, 1);
    assert_eq!(err.fault, ChainFault::SeqMismatch { expected: 1, found: 2 });
}

#[test]
fn chain_must_start_with_genesis() {
    let entries = chain(vec![(Event::Promoted { node: NodeId::of_wasm(b"a") }, 1)]);
    let err = verify_chain(&entries[1..]).unwrap_err();
    assert_eq!(err.seq, 0);
}
