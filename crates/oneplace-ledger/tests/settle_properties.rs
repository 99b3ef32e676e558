//! Settlement invariants over random pools and agreements: money is
//! conserved to the penny (retained underspends and the risk pool
//! included), caps hold with what a lead body absorbs counted in, a zero
//! variance settles to zero, settling again after posting changes
//! nothing, and each partner's figure does not depend on the order
//! partners are declared or listed in.

use oneplace_core::Money;
use oneplace_ledger::settle::{Settlement, parse_agreement, settle};
use oneplace_ledger::{Journal, Ledger, load};
use proptest::prelude::*;

const PARTNERS: [&str; 3] = ["alpha", "beta", "gamma"];
const STEPS: [&str; 5] = [
    "performance",
    "underspends",
    "risk-pool",
    "uncommitted",
    "partners",
];

#[derive(Clone, Debug)]
struct Pool {
    /// Budgets of three schemes, funded by the three sources one to one
    /// (scheme i by source i paid in by partner i), a shared scheme funded
    /// by sources 0 and 1, and a scheme on a ring-fenced grant from gamma.
    budgets: [i64; 5],
    spends: [i64; 5],
    /// Declaration order of the partners.
    order: [usize; 3],
}

#[derive(Clone, Debug)]
struct Terms {
    kind: usize,
    risk: i64,
    /// Performance pot (pence) for beta, and how much of the way from the
    /// baseline the metric got (0..=120%), and the release rule.
    pot: i64,
    progress: u32,
    release: usize,
    /// Schemes whose underspends are management action.
    managed: [bool; 4],
    /// Whether k2 is an allocation held uncommitted.
    uncommitted: bool,
    /// Whether the agreement also lists gamma's ordinary source s2 as
    /// ring-fenced.
    fence_s2: bool,
    /// The waterfall's order.
    waterfall: Vec<usize>,
    /// The order partners are listed in the agreement's tables.
    listing: [usize; 3],
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
    t.push_str("source rf \"Ring-fenced grant\"\n  from gamma\n  ring-fence housing\n");
    for (i, partner) in PARTNERS.iter().enumerate() {
        t.push_str(&format!(
            "scheme k{i} \"K{i}\"\n  type t{i}\n  commissioner {partner} 100%\n  sources s{i}\n"
        ));
    }
    t.push_str("scheme shared \"Shared\"\n  type t0\n  commissioner alpha 50% beta 50%\n  sources s0, s1\n");
    t.push_str("scheme fenced \"Fenced\"\n  type t2\n  commissioner gamma 100%\n  sources rf\n");
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
    t.push_str(&format!(
        "budget 2025/26 fenced rf {}\n",
        Money::from_pence(p.budgets[4])
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
    t.push_str(&format!(
        "2026-03-31 Fenced  ; ref:rf partner:gamma\n  expenditure:services  {}  scheme:fenced source:rf\n  assets:bank\n",
        Money::from_pence(p.spends[4])
    ));
    t
}

/// An inline table of partners in the listing order.
fn table(listing: &[usize; 3], values: [&str; 3]) -> String {
    let entries: Vec<String> = listing
        .iter()
        .filter(|i| !values[**i].is_empty())
        .map(|i| format!("{} = \"{}\"", PARTNERS[*i], values[*i]))
        .collect();
    format!("{{ {} }}", entries.join(", "))
}

fn agreement(t: &Terms) -> String {
    let l = &t.listing;
    let rules = match t.kind {
        0 => "[[rule]]\nschemes = \"*\"\nshare = \"pro-rata\"\n".to_string(),
        1 => "[[rule]]\nschemes = [\"k1\", \"shared\"]\nshare = \"commissioner\"\ncap = \"contribution\"\nexcess = \"pro-rata\"\n[[rule]]\nschemes = \"*\"\nshare = \"own\"\n".to_string(),
        2 => format!(
            "[[rule]]\nschemes = [\"k0\"]\nshare = \"fixed\"\n[[rule]]\nschemes = \"*\"\nshare = {}\ncap = \"contribution\"\nlead = {{ partner = \"gamma\", absorbs = \"£1,000\" }}\n",
            table(l, ["20%", "30%", "50%"])
        ),
        _ => format!(
            "[[rule]]\nschemes = [\"k2\"]\nshare = {}\n[[rule]]\nschemes = \"*\"\nshare = \"commissioner\"\ncaps = {}\nexcess = \"pro-rata\"\nlead = {{ partner = \"alpha\", absorbs = \"£5,000\" }}\n",
            table(l, ["40%", "", "60%"]),
            table(l, ["contribution", "£2,000", ""])
        ),
    };
    let managed: Vec<String> = ["k0", "k1", "k2", "shared"]
        .iter()
        .zip(t.managed)
        .filter(|(_, m)| *m)
        .map(|(s, _)| format!("\"{s}\""))
        .collect();
    let waterfall: Vec<String> = t
        .waterfall
        .iter()
        .map(|i| format!("\"{}\"", STEPS[*i]))
        .collect();
    let release = match t.release {
        0 => "\"all-or-nothing\"".to_string(),
        1 => "\"proportional\"".to_string(),
        _ => "\"threshold\"\nthreshold = \"50%\"".to_string(),
    };
    format!(
        "[agreement]\nyear = \"2025/26\"\n[risk_pool]\namount = \"{}\"\nshares = {}\n[overspend]\nwaterfall = [{}]\n{}[underspend]\nmanagement_action = [{}]\n{}[protection]\npartner = \"beta\"\nafter = \"3%\"\n[[performance]]\npartner = \"beta\"\npot = \"{}\"\nbaseline = 1000\ntarget = 2000\nactual = {}\nrelease = {release}\n{rules}",
        Money::from_pence(t.risk),
        table(l, ["70%", "", "30%"]),
        waterfall.join(", "),
        if t.uncommitted {
            "uncommitted = [\"k2\"]\n"
        } else {
            ""
        },
        managed.join(", "),
        if t.fence_s2 {
            "ring_fenced_sources = [\"s2\"]\n"
        } else {
            ""
        },
        Money::from_pence(t.pot),
        1000 + t.progress * 10,
    )
}

fn pool() -> impl Strategy<Value = Pool> {
    (
        prop::array::uniform5(0i64..50_000_000),
        prop::array::uniform5(0i64..60_000_000),
        Just([0usize, 1, 2]).prop_shuffle(),
    )
        .prop_map(|(budgets, spends, order)| Pool {
            budgets,
            spends,
            order: [order[0], order[1], order[2]],
        })
}

fn terms() -> impl Strategy<Value = Terms> {
    (
        0usize..4,
        0i64..5_000_000,
        (0i64..3_000_000, 0u32..=120, 0usize..3),
        prop::array::uniform4(any::<bool>()),
        any::<bool>(),
        any::<bool>(),
        Just(vec![0usize, 1, 2, 3, 4]).prop_shuffle(),
        Just([0usize, 1, 2]).prop_shuffle(),
    )
        .prop_map(
            |(
                kind,
                risk,
                (pot, progress, release),
                managed,
                uncommitted,
                fence_s2,
                waterfall,
                listing,
            )| {
                Terms {
                    kind,
                    risk,
                    pot,
                    progress,
                    release,
                    managed,
                    uncommitted,
                    fence_s2,
                    waterfall,
                    listing: [listing[0], listing[1], listing[2]],
                }
            },
        )
}

fn run(p: &Pool, t: &Terms) -> (String, Ledger, Settlement) {
    let text = journal(p);
    let ledger = load(&[Journal {
        name: "p",
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let a = parse_agreement("a.toml", &agreement(t), &ledger)
        .unwrap_or_else(|e| panic!("{e}\n{}", agreement(t)));
    let s = settle(&ledger, &a, None).unwrap();
    (text, ledger, s)
}

/// A partner's cap on a scheme under each kind of agreement, if it has one.
fn cap(kind: usize, scheme: &str, partner: &str, contribution: Money) -> Option<Money> {
    match kind {
        1 if scheme == "k1" || scheme == "shared" => Some(contribution),
        2 if scheme != "k0" => Some(contribution),
        3 if scheme != "k2" => match partner {
            "alpha" => Some(contribution),
            "beta" => Some(Money::from_pounds(2_000)),
            _ => None,
        },
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn settlements_conserve_money_respect_caps_and_ignore_order(p in pool(), t in terms()) {
        let (text, _, s) = run(&p, &t);
        // Conservation to the penny: what partners pay or get back, the
        // risk pool, what is unfunded, less what is retained.
        let partners: Money = s.partners.iter().map(|x| x.amount).sum();
        prop_assert_eq!(partners + s.risk_pool + s.unfunded - s.retained, s.total_variance);
        let kept: Money = s.partners.iter().map(|x| x.retained).sum();
        prop_assert_eq!(kept, s.retained);
        for x in &s.partners {
            let parts: Money = x.parts.iter().map(|y| y.amount).sum();
            prop_assert_eq!(parts, x.amount);
        }
        prop_assert_eq!(s.risk_pool_used + s.risk_pool_left, Money::from_pence(t.risk));
        // Retained underspends are never used for overspends: they are
        // exactly the management-action schemes' underspends.
        let managed: Money = s
            .schemes
            .iter()
            .filter(|r| {
                ["k0", "k1", "k2", "shared"]
                    .iter()
                    .zip(t.managed)
                    .any(|(k, m)| m && r.scheme == *k)
            })
            .filter(|r| r.variance.is_negative())
            .map(|r| -r.variance)
            .sum();
        prop_assert_eq!(s.retained, managed);
        // The ring-fenced grant is left out.
        prop_assert!(s.schemes.iter().all(|r| r.scheme != "fenced"));
        // Caps, with what a lead absorbs counted in: everything a partner
        // pays on a capped scheme.
        for row in &s.schemes {
            for partner in &s.partners {
                let contribution = row
                    .contributions
                    .iter()
                    .find(|(q, _)| *q == partner.partner)
                    .map_or(Money::ZERO, |c| c.1);
                let Some(limit) = cap(t.kind, &row.scheme, &partner.partner, contribution) else {
                    continue;
                };
                let paid: Money = partner
                    .parts
                    .iter()
                    .filter(|x| x.scheme.as_deref() == Some(row.scheme.as_str()))
                    .map(|x| x.amount)
                    .sum();
                prop_assert!(paid <= limit, "{} pays {paid} on {} against a cap of {limit}", partner.partner, row.scheme);
            }
        }
        // Order independence: the pool declared in another order, and the
        // agreement's tables listed in another order.
        let reordered = Pool { order: [p.order[2], p.order[0], p.order[1]], ..p.clone() };
        let relisted = Terms { listing: [t.listing[1], t.listing[2], t.listing[0]], ..t.clone() };
        let (_, _, s2) = run(&reordered, &relisted);
        for x in &s.partners {
            let y = s2.partners.iter().find(|y| y.partner == x.partner).unwrap();
            prop_assert_eq!(x.amount, y.amount, "{}", x.partner);
            prop_assert_eq!(x.retained, y.retained, "{}", x.partner);
        }
        prop_assert_eq!(s.unfunded, s2.unfunded);
        // Settling again after posting changes nothing.
        let posted = format!("{text}\n{}", s.transactions);
        let ledger3 = load(&[Journal { name: "p", text: &posted }]).unwrap_or_else(|e| panic!("{e}\n{posted}"));
        let a3 = parse_agreement("a.toml", &agreement(&t), &ledger3).unwrap();
        let s3 = settle(&ledger3, &a3, None).unwrap();
        prop_assert_eq!(s3.transactions, "");
        prop_assert_eq!(s3.already_posted, s.partners.iter().filter(|x| !x.amount.is_zero()).count());
    }

    #[test]
    fn a_zero_variance_settles_to_zero(budgets in prop::array::uniform5(0i64..50_000_000), t in terms()) {
        let p = Pool { budgets, spends: budgets, order: [0, 1, 2] };
        let (_, _, s) = run(&p, &Terms { risk: 0, ..t.clone() });
        prop_assert_eq!(s.total_variance, Money::ZERO);
        prop_assert!(s.partners.iter().all(|x| x.amount.is_zero() && x.retained.is_zero()));
        prop_assert_eq!(s.transactions, "");
        // With a risk pool, the only movement is the pool returned to its
        // funders by their shares (alpha 70%, gamma 30%).
        let (_, _, s) = run(&p, &Terms { risk: 1_000, ..t });
        let amount = |q: &str| s.partners.iter().find(|x| x.partner == q).unwrap().amount;
        prop_assert_eq!(amount("alpha"), Money::from_pence(-700));
        prop_assert_eq!(amount("beta"), Money::ZERO);
        prop_assert_eq!(amount("gamma"), Money::from_pence(-300));
    }
}
