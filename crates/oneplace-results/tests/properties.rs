//! Properties that hold for any input: money is conserved (co-payers'
//! parts add up to each payment, claims add up to their families), caps
//! are never exceeded, no family is paid more than the scheme allows.

use oneplace_core::{FinancialYear, Money};
use oneplace_results::earn_back::share_year;
use oneplace_results::outcome_contract::{
    Contract, Group, Participant, Payer, RateLine, TopUpBasis, settle,
};
use oneplace_results::troubled_families::{Family, Scheme, claims, family_payments};
use proptest::prelude::*;

fn contract_strategy() -> impl Strategy<Value = Contract> {
    (
        prop::collection::vec(0i64..500_000, 1..5),
        prop::collection::vec(1i64..1_000, 1..5),
        prop::option::of(0i64..2_000_000),
        prop::option::of(0i64..5_000_000),
        0i64..=1_000_000,
        any::<bool>(),
    )
        .prop_map(|(prices, weights, pcap, tcap, top_up, added)| {
            // Shares in millionths adding up to exactly 1,000,000.
            let sum: i64 = weights.iter().sum();
            let mut shares: Vec<i64> = weights.iter().map(|w| w * 1_000_000 / sum).collect();
            let rest = 1_000_000 - shares.iter().sum::<i64>();
            shares[0] += rest;
            Contract {
                name: "p".into(),
                participant_cap: pcap.map(Money::from_pence),
                total_cap: tcap.map(Money::from_pence),
                top_up_millionths: top_up,
                top_up_basis: if added {
                    TopUpBasis::Added
                } else {
                    TopUpBasis::Within
                },
                rate_card: prices
                    .iter()
                    .enumerate()
                    .map(|(i, p)| RateLine {
                        outcome: format!("o{i}"),
                        price: Money::from_pence(*p),
                        threshold: None,
                    })
                    .collect(),
                payers: shares
                    .iter()
                    .enumerate()
                    .map(|(i, s)| Payer {
                        id: format!("p{i}"),
                        share_millionths: *s,
                    })
                    .collect(),
            }
        })
}

proptest! {
    #[test]
    fn contract_payments_are_conserved_and_capped(
        contract in contract_strategy(),
        raw in prop::collection::vec((any::<bool>(), prop::collection::vec(0u64..4, 5)), 0..30),
    ) {
        let k = contract.rate_card.len();
        let people: Vec<Participant> = raw
            .iter()
            .enumerate()
            .map(|(i, (treated, a))| Participant {
                id: format!("x{i}"),
                group: if *treated { Group::Treatment } else { Group::Comparison },
                achieved: a[..k].to_vec(),
            })
            .collect();
        let s = settle(&contract, &people);
        // Caps are never exceeded.
        if let Some(cap) = contract.participant_cap {
            for p in &s.participants {
                prop_assert!(p.after <= cap);
                prop_assert!(p.after <= p.before);
            }
        }
        if let Some(cap) = contract.total_cap {
            prop_assert!(s.after_caps <= cap);
        }
        // Each outcome: after caps ≤ before; payers + top-up make the total.
        for r in &s.outcomes {
            prop_assert!(r.after_caps <= r.after_participant_cap);
            prop_assert!(r.after_participant_cap <= r.before_caps);
            let payers: Money = r.payers.iter().map(|p| p.amount).sum();
            let expected = match contract.top_up_basis {
                TopUpBasis::Within => r.after_caps - r.top_up,
                TopUpBasis::Added => r.after_caps,
            };
            prop_assert_eq!(payers, expected);
            prop_assert!(r.payers.iter().all(|p| !p.amount.is_negative()));
        }
        let participants: Money = s.participants.iter().map(|p| p.after).sum();
        let after_participant: Money = s.outcomes.iter().map(|r| r.after_participant_cap).sum();
        prop_assert_eq!(participants, after_participant);
        prop_assert_eq!(
            s.before_caps - s.removed_by_participant_cap - s.removed_by_total_cap,
            s.after_caps
        );
        let payers: Money = s.payers.iter().map(|p| p.amount).sum();
        prop_assert_eq!(payers + s.top_up, s.total);
    }

    #[test]
    fn no_family_is_paid_more_than_the_scheme_allows(
        raw in prop::collection::vec((0i32..3, prop::collection::vec(prop::option::of(0i32..4), 3)), 0..40),
    ) {
        let scheme = Scheme::phase_one();
        let families: Vec<Family> = raw
            .iter()
            .enumerate()
            .map(|(i, (a, outs))| {
                let attached = FinancialYear::starting(2012 + a);
                Family {
                    id: format!("f{i}"),
                    attached,
                    achieved: outs.iter().map(|o| o.map(|d| attached.offset(d))).collect(),
                }
            })
            .collect();
        let c = claims(&scheme, &families).unwrap();
        let mut sum = Money::ZERO;
        for (f, d) in families.iter().zip(&c.families) {
            prop_assert!(d.total <= scheme.per_family);
            prop_assert!(d.results_paid <= d.results_amount);
            prop_assert!(d.payments.iter().all(|p| !p.amount.is_negative()));
            // Continuous employment achieved: the family is paid its whole
            // results amount, however the outcomes fell.
            if f.achieved[2].is_some() {
                prop_assert_eq!(d.results_paid, d.results_amount);
            }
            prop_assert_eq!(family_payments(&scheme, f).unwrap(), d.clone());
            sum += d.total;
        }
        prop_assert_eq!(sum, c.totals.gross);
        for y in &c.years {
            prop_assert_eq!(y.gross, y.attachment + y.results);
            prop_assert_eq!(y.deduction + y.total, y.gross);
            // The deduction is a sixth, to the nearest penny.
            prop_assert!((y.deduction.pence() * 6 - y.gross.pence()).abs() <= 3);
        }
    }

    #[test]
    fn earn_back_never_pays_more_than_the_cap(
        measured in -1_000_000_000i64..1_000_000_000,
        share in 0.0f64..=1.0,
        cap in prop::option::of(0i64..500_000_000),
        in_period in any::<bool>(),
    ) {
        let r = share_year(Money::from_pence(measured), share, cap.map(Money::from_pence), in_period);
        prop_assert_eq!(r.eligible, r.paid + r.lost);
        prop_assert!(!r.paid.is_negative() && !r.lost.is_negative());
        if let Some(c) = cap {
            prop_assert!(r.paid.pence() <= c);
        }
        if !in_period || measured <= 0 {
            prop_assert!(r.eligible.is_zero());
        }
    }
}
