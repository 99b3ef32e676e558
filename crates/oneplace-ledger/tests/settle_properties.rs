//! Settlement invariants over random pools and agreements: money is
//! conserved to the penny, caps hold, a zero variance settles to zero,
//! settling again after posting changes nothing, and the result does not
//! depend on the order partners are declared in.

use oneplace_core::Money;
use oneplace_ledger::settle::{parse_agreement, settle};
use oneplace_ledger::{Journal, load};
use proptest::prelude::*;

const PARTNERS: [&str; 3] = ["alpha", "beta", "gamma"];

#[derive(Clone, Debug)]
struct Pool {
    /// Budgets of three schemes, funded by the three sources one to one
    /// (scheme i by source i paid in by partner i), plus a shared scheme
    /// funded by sources 0 and 1.
    budgets: [i64; 4],
    spends: [i64; 4],
    /// Declaration order of the partners.
    order: [usize; 3],
}

fn journal(p: &Pool) -> String {
    let mut t = String::new();
    for &i in &p.order {
        t.push_str(&format!(
            "partner {} \"{}\"\n  kind county-council\n{}",
            PARTNERS[i],
            PARTNERS[i],
            if i == 0 { "  host\n" } else { "" }
        ));
    }
    for (i, partner) in PARTNERS.iter().enumerate() {
        t.push_str(&format!("source s{i} \"S{i}\"\n  from {partner}\n"));
    }
    for (i, partner) in PARTNERS.iter().enumerate() {
        t.push_str(&format!(
            "scheme k{i} \"K{i}\"\n  type t{i}\n  commissioner {partner} 100%\n  sources s{i}\n"
        ));
    }
    t.push_str("scheme shared \"Shared\"\n  type t0\n  commissioner alpha 50% beta 50%\n  sources s0, s1\n");
    t.push_str("year 2025/26 open\n");
    for i in 0..3 {
        t.push_str(&format!(
            "budget 2025/26 k{i} s{i} {}\n",
            Money::from_pence(p.budgets[i])
        ));
    }
    t.push_str(&format!(
        "budget 2025/26 shared s0 {}\n",
        Money::from_pence(p.budgets[3])
    ));
    for (i, partner) in PARTNERS.iter().enumerate() {
        t.push_str(&format!(
            "2026-03-31 Spend  ; ref:k{i} partner:{partner}\n  expenditure:services  {}  scheme:k{i} source:s{i}\n  assets:bank\n",
            Money::from_pence(p.spends[i])
        ));
    }
    t.push_str(&format!(
        "2026-03-31 Shared  ; ref:sh partner:beta\n  expenditure:services  {}  scheme:shared source:s0\n  assets:bank\n",
        Money::from_pence(p.spends[3])
    ));
    t
}

fn agreement(kind: usize, risk: i64) -> String {
    let rules = [
        "[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n",
        "[[rule]]\nschemes = [\"k1\", \"shared\"]\nshare = \"commissioner\"\ncap = \"contribution\"\nexcess = \"pro-rata\"\n[[rule]]\nschemes = \"*\"\nshare = \"own\"\n",
        "[[rule]]\nschemes = [\"k0\"]\nshare = \"fixed\"\n[[rule]]\nschemes = \"*\"\nshare = { alpha = \"20%\", beta = \"30%\", gamma = \"50%\" }\ncap = \"contribution\"\nlead = { partner = \"gamma\", absorbs = \"£1,000\" }\n",
    ];
    format!(
        "[agreement]\nyear = \"2025/26\"\n[risk_pool]\namount = \"{}\"\nshares = {{ alpha = \"100%\" }}\n[overspend]\nwaterfall = [\"underspends\", \"risk-pool\", \"partners\"]\n[protection]\npartner = \"beta\"\nafter = \"3%\"\n{}",
        Money::from_pence(risk),
        rules[kind]
    )
}

fn pool() -> impl Strategy<Value = Pool> {
    (
        prop::array::uniform4(0i64..50_000_000),
        prop::array::uniform4(0i64..60_000_000),
        Just([0usize, 1, 2]).prop_shuffle(),
    )
        .prop_map(|(budgets, spends, order)| Pool {
            budgets,
            spends,
            order: [order[0], order[1], order[2]],
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn settlements_conserve_money_respect_caps_and_ignore_order(
        p in pool(),
        kind in 0usize..3,
        risk in 0i64..5_000_000,
    ) {
        let text = journal(&p);
        let ledger = load(&[Journal { name: "p", text: &text }]).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let a = parse_agreement("a.toml", &agreement(kind, risk), &ledger).unwrap_or_else(|e| panic!("{e}"));
        let s = settle(&ledger, &a, None).unwrap();
        // Conservation to the penny.
        let partners: Money = s.partners.iter().map(|x| x.amount).sum();
        prop_assert_eq!(partners + s.risk_pool_used + s.unfunded - s.retained, s.total_variance);
        let parts: Money = s.partners.iter().flat_map(|x| &x.parts).map(|x| x.amount).sum();
        prop_assert_eq!(parts, partners);
        prop_assert!(s.risk_pool_used <= Money::from_pence(risk));
        // Caps: with a cap at contribution, no partner's overspend share on
        // a capped scheme exceeds its contribution to it.
        if kind != 0 {
            for row in &s.schemes {
                let capped = match kind {
                    1 => row.scheme == "k1" || row.scheme == "shared",
                    _ => row.scheme != "k0",
                };
                if !capped {
                    continue;
                }
                for partner in &s.partners {
                    let share: Money = partner
                        .parts
                        .iter()
                        .filter(|x| x.scheme.as_deref() == Some(row.scheme.as_str()) && x.what == "overspend")
                        .map(|x| x.amount)
                        .sum();
                    let contribution = row
                        .contributions
                        .iter()
                        .find(|(q, _)| *q == partner.partner)
                        .map_or(Money::ZERO, |c| c.1);
                    prop_assert!(share <= contribution, "{} pays {share} on {} against {contribution}", partner.partner, row.scheme);
                }
            }
        }
        // Order independence: the same pool declared in another order.
        let reordered = Pool { order: [p.order[2], p.order[0], p.order[1]], ..p.clone() };
        let text2 = journal(&reordered);
        let ledger2 = load(&[Journal { name: "p", text: &text2 }]).unwrap();
        let a2 = parse_agreement("a.toml", &agreement(kind, risk), &ledger2).unwrap();
        let s2 = settle(&ledger2, &a2, None).unwrap();
        for x in &s.partners {
            let y = s2.partners.iter().find(|y| y.partner == x.partner).unwrap();
            prop_assert_eq!(x.amount, y.amount);
        }
        // Settling again after posting changes nothing.
        let posted = format!("{text}\n{}", s.transactions);
        let ledger3 = load(&[Journal { name: "p", text: &posted }]).unwrap_or_else(|e| panic!("{e}\n{posted}"));
        let a3 = parse_agreement("a.toml", &agreement(kind, risk), &ledger3).unwrap();
        let s3 = settle(&ledger3, &a3, None).unwrap();
        prop_assert_eq!(s3.transactions, "");
        prop_assert_eq!(s3.already_posted, s.partners.iter().filter(|x| !x.amount.is_zero()).count());
    }

    #[test]
    fn a_zero_variance_settles_to_zero(budgets in prop::array::uniform4(0i64..50_000_000), kind in 0usize..3) {
        let p = Pool { budgets, spends: budgets, order: [0, 1, 2] };
        let text = journal(&p);
        let ledger = load(&[Journal { name: "p", text: &text }]).unwrap();
        let a = parse_agreement("a.toml", &agreement(kind, 100), &ledger).unwrap();
        let s = settle(&ledger, &a, None).unwrap();
        prop_assert_eq!(s.total_variance, Money::ZERO);
        prop_assert!(s.partners.iter().all(|x| x.amount.is_zero()));
        prop_assert_eq!(s.transactions, "");
    }
}
