//! Synthetic ledgers: realistic, fictional pooled-fund journals of any size,
//! for benchmarks, property tests and demonstrations.
//!
//! [`synthesize`] writes a Better Care Fund style section 75 pool: a place,
//! four to six partners (a county council hosting it, the integrated care
//! board, a community health trust, one or two district councils and
//! sometimes a mental health trust), five to seven funding sources with
//! their ring-fences, ten to twenty schemes of different types with their
//! commissioners' shares, one to four open financial years (the earlier ones
//! closed once their spending is in), and for each year budgets (some with a
//! seasonal profile), contributions with their instalments, forecasts,
//! commitments and virements. The transactions are what the partners post:
//! the contributions as income when each instalment arrives, and each
//! month, from each commissioning partner, invoices for each scheme it
//! commissions (one to three expenditure lines, paid from the pooled bank
//! account or accrued to creditors and paid the next month), every one with
//! a unique reference. Each year ends with balance assertions on the bank
//! account, in total and for the host.
//!
//! The output is deterministic for a seed: it uses its own small generator
//! (SplitMix64), so it does not change with the version of any crate. The
//! number of postings is close to the one asked for (never more); at a
//! million it is generated in a fraction of a second.

use std::fmt::Write as _;

use oneplace_core::Date;

/// A journal of about `postings` postings (never more), deterministic for
/// `seed`, that [`crate::load`] reads without errors.
pub fn synthesize(postings: usize, seed: u64) -> String {
    Synth::new(postings, seed).run()
}

/// SplitMix64 (Steele, Lea and Flood 2014): small, fast and well mixed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 ≤ x < n (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// lo ≤ x ≤ hi.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const PLACES: [&str; 10] = [
    "Northshire",
    "Westmarsh",
    "Eastvale",
    "Southfold",
    "Highmoor",
    "Lowbridge",
    "Greendale",
    "Kingsmere",
    "Ashworth",
    "Fernleigh",
];

const MONTHS: [&str; 12] = [
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "January",
    "February",
    "March",
];

/// Winter pressures: more from November to February.
const SEASONAL: [f64; 12] = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.2, 1.3, 1.3, 1.2, 1.0];
const SEASONAL_TEXT: &str = "1 1 1 1 1 1 1 1.2 1.3 1.3 1.2 1";

const EXPENDITURE: [&str; 5] = [
    "expenditure:services",
    "expenditure:staff",
    "expenditure:placements",
    "expenditure:equipment",
    "expenditure:grants",
];

struct Partner {
    id: String,
    name: String,
    kind: &'static str,
    code: &'static str,
    vat: &'static str,
}

// Partner indexes: the first four always exist.
const COUNCIL: usize = 0;
const ICB: usize = 1;
const TRUST: usize = 2;
const DISTRICT_A: usize = 3;

struct Source {
    id: &'static str,
    name: &'static str,
    from: Vec<usize>,
    ring_fence: &'static [&'static str],
}

struct SchemeKind {
    id: &'static str,
    name: &'static str,
    kind: &'static str,
    provider: &'static str,
}

const SCHEMES: [SchemeKind; 20] = [
    SchemeKind {
        id: "home-first",
        name: "Home First: discharge to assess",
        kind: "intermediate-care",
        provider: "Community health trust",
    },
    SchemeKind {
        id: "reablement",
        name: "Reablement at home",
        kind: "reablement",
        provider: "Council reablement service",
    },
    SchemeKind {
        id: "community-nursing",
        name: "Community nursing for frail older people",
        kind: "community-health",
        provider: "Community health trust",
    },
    SchemeKind {
        id: "rapid-response",
        name: "Two-hour urgent community response",
        kind: "community-health",
        provider: "Community health trust",
    },
    SchemeKind {
        id: "home-care",
        name: "Home care after discharge",
        kind: "social-care",
        provider: "Various providers",
    },
    SchemeKind {
        id: "care-home-beds",
        name: "Short-term care home beds",
        kind: "social-care",
        provider: "Independent care homes",
    },
    SchemeKind {
        id: "carers-support",
        name: "Support for unpaid carers",
        kind: "carers",
        provider: "Carers centre",
    },
    SchemeKind {
        id: "carers-breaks",
        name: "Carers' breaks",
        kind: "carers",
        provider: "Various providers",
    },
    SchemeKind {
        id: "adaptations",
        name: "Disabled facilities grant adaptations",
        kind: "housing-adaptations",
        provider: "Home improvement agency",
    },
    SchemeKind {
        id: "handyperson",
        name: "Handyperson and minor adaptations",
        kind: "housing-adaptations",
        provider: "Home improvement agency",
    },
    SchemeKind {
        id: "discharge-team",
        name: "Integrated discharge team",
        kind: "discharge",
        provider: "Acute trust and council staff",
    },
    SchemeKind {
        id: "trusted-assessors",
        name: "Trusted assessors for care homes",
        kind: "discharge",
        provider: "Care association",
    },
    SchemeKind {
        id: "telecare",
        name: "Telecare and assistive technology",
        kind: "assistive-technology",
        provider: "Telecare provider",
    },
    SchemeKind {
        id: "falls-prevention",
        name: "Falls prevention",
        kind: "prevention",
        provider: "Voluntary sector alliance",
    },
    SchemeKind {
        id: "social-prescribing",
        name: "Social prescribing link workers",
        kind: "prevention",
        provider: "Voluntary sector alliance",
    },
    SchemeKind {
        id: "shared-records",
        name: "Shared care records",
        kind: "enablers",
        provider: "Digital partnership",
    },
    SchemeKind {
        id: "workforce",
        name: "Joint workforce development",
        kind: "enablers",
        provider: "Training academy",
    },
    SchemeKind {
        id: "crisis-support",
        name: "Crisis mental health support at home",
        kind: "mental-health",
        provider: "Mental health trust",
    },
    SchemeKind {
        id: "dementia-advisers",
        name: "Dementia advisers",
        kind: "mental-health",
        provider: "Dementia charity",
    },
    SchemeKind {
        id: "hospice-at-home",
        name: "Hospice at home",
        kind: "community-health",
        provider: "Local hospice",
    },
];

struct Scheme {
    kind: &'static SchemeKind,
    /// (partner, share in percent)
    commissioners: Vec<(usize, u32)>,
    sources: Vec<usize>,
}

/// A budget line: a scheme funded by a source.
struct Line {
    scheme: usize,
    source: usize,
    /// In the first year, in pence.
    base: i64,
    seasonal: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Schedule {
    Quarterly,
    Monthly,
    Annual,
}

struct ContributionPlan {
    partner: usize,
    source: usize,
    amount: i64,
    schedule: Schedule,
}

/// An invoice accrued to creditors, paid the next month.
struct Accrued {
    partner: usize,
    amount: i64,
    reference: String,
}

struct Synth {
    rng: Rng,
    out: String,
    place: &'static str,
    partners: Vec<Partner>,
    sources: Vec<Source>,
    schemes: Vec<Scheme>,
    lines: Vec<Line>,
    /// (line, partner, share in percent) for each commissioner of each line.
    spenders: Vec<(usize, usize, u32)>,
    start: i32,
    years: usize,
    /// Posting budgets and counts: contributions (and the opening balance),
    /// and spending (with creditor payments).
    income_cap: usize,
    income_count: usize,
    spend_cap: usize,
    spend_count: usize,
    /// The pooled bank account's balance by partner, in pence.
    bank: Vec<i64>,
    accrued: Vec<Accrued>,
    sequence: u64,
}

impl Synth {
    fn new(postings: usize, seed: u64) -> Synth {
        let mut rng = Rng(seed ^ 0x6F6E_6570_6C61_6365); // "oneplace"
        let place = *rng.pick(&PLACES);
        let mut partners = vec![
            Partner {
                id: "county-council".into(),
                name: format!("{place} County Council"),
                kind: "county-council",
                code: "NCC",
                vat: "full",
            },
            Partner {
                id: "icb".into(),
                name: format!("{place} Integrated Care Board"),
                kind: "icb",
                code: "ICB",
                vat: "none",
            },
            Partner {
                id: "community-trust".into(),
                name: format!("{place} Community Health NHS Trust"),
                kind: "community-health-provider",
                code: "CHT",
                vat: "none",
            },
            Partner {
                id: "north-district".into(),
                name: format!("North {place} District Council"),
                kind: "district-council",
                code: "NDC",
                vat: "full",
            },
        ];
        let second_district = rng.chance(0.5);
        if second_district {
            partners.push(Partner {
                id: "south-district".into(),
                name: format!("South {place} District Council"),
                kind: "district-council",
                code: "SDC",
                vat: "full",
            });
        }
        let mental_health = rng.chance(0.5).then(|| {
            partners.push(Partner {
                id: "mental-health-trust".into(),
                name: format!("{place} Mental Health NHS Foundation Trust"),
                kind: "mental-health-trust",
                code: "MHT",
                vat: "partial",
            });
            partners.len() - 1
        });
        let districts: Vec<usize> = if second_district {
            vec![DISTRICT_A, DISTRICT_A + 1]
        } else {
            vec![DISTRICT_A]
        };

        let mut sources = vec![
            Source {
                id: "nhs-minimum",
                name: "NHS minimum contribution",
                from: vec![ICB],
                ring_fence: &[
                    "intermediate-care",
                    "reablement",
                    "community-health",
                    "social-care",
                    "carers",
                    "discharge",
                    "assistive-technology",
                    "mental-health",
                ],
            },
            Source {
                id: "ibcf",
                name: "Improved Better Care Fund grant",
                from: vec![COUNCIL],
                ring_fence: &[
                    "social-care",
                    "reablement",
                    "intermediate-care",
                    "discharge",
                    "carers",
                ],
            },
            Source {
                id: "dfg",
                name: "Disabled Facilities Grant",
                from: vec![COUNCIL],
                ring_fence: &["housing-adaptations"],
            },
            Source {
                id: "discharge-fund",
                name: "Discharge fund",
                from: vec![ICB, COUNCIL],
                ring_fence: &["discharge", "intermediate-care", "social-care"],
            },
            Source {
                id: "council-additional",
                name: "Additional council contribution",
                from: vec![COUNCIL],
                ring_fence: &[],
            },
        ];
        if rng.chance(0.6) {
            sources.push(Source {
                id: "icb-additional",
                name: "Additional ICB contribution",
                from: vec![ICB],
                ring_fence: &[],
            });
        }
        if rng.chance(0.6) {
            sources.push(Source {
                id: "district-housing",
                name: "District councils' housing contribution",
                from: districts.clone(),
                ring_fence: &["housing-adaptations", "prevention"],
            });
        }

        // Ten to twenty schemes, in the catalogue's order.
        let count = rng.range(10, 20) as usize;
        let mut order: Vec<usize> = (0..SCHEMES.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut chosen = order[..count].to_vec();
        chosen.sort_unstable();

        let mut schemes = Vec::new();
        let mut lines = Vec::new();
        for k in chosen {
            let kind = &SCHEMES[k];
            let commissioners = match kind.kind {
                "intermediate-care" => vec![(ICB, 60), (COUNCIL, 40)],
                "reablement" | "social-care" | "assistive-technology" => vec![(COUNCIL, 100)],
                "community-health" if rng.chance(0.5) => vec![(ICB, 70), (TRUST, 30)],
                "community-health" => vec![(ICB, 100)],
                "carers" | "discharge" | "enablers" => vec![(ICB, 50), (COUNCIL, 50)],
                "housing-adaptations" if districts.len() == 2 => {
                    vec![(districts[0], 50), (districts[1], 50)]
                }
                "housing-adaptations" => vec![(districts[0], 100)],
                "prevention" => vec![(COUNCIL, 70), (districts[0], 30)],
                _ => vec![(mental_health.unwrap_or(ICB), 100)],
            };
            let fenced: Vec<usize> = (0..sources.len())
                .filter(|&s| sources[s].ring_fence.contains(&kind.kind))
                .collect();
            let open: Vec<usize> = (0..sources.len())
                .filter(|&s| sources[s].ring_fence.is_empty())
                .collect();
            let mut funded = Vec::new();
            if !fenced.is_empty() {
                funded.push(*rng.pick(&fenced));
            }
            if funded.is_empty() || rng.chance(0.4) {
                let either: Vec<usize> = fenced
                    .iter()
                    .chain(&open)
                    .copied()
                    .filter(|s| !funded.contains(s))
                    .collect();
                funded.push(*rng.pick(&either));
            }
            funded.sort_unstable();
            let scheme = schemes.len();
            for &source in &funded {
                // £50,000 to £3,000,000 a year, in thousands.
                let base = rng.range(50, 3_000) * 100_000;
                let seasonal = matches!(kind.kind, "social-care" | "discharge") && rng.chance(0.7);
                lines.push(Line {
                    scheme,
                    source,
                    base,
                    seasonal,
                });
            }
            schemes.push(Scheme {
                kind,
                commissioners,
                sources: funded,
            });
        }
        let spenders = lines
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                schemes[l.scheme]
                    .commissioners
                    .iter()
                    .map(move |&(p, share)| (i, p, share))
            })
            .collect();

        let years = postings.div_ceil(300_000).clamp(1, 4);
        let start = 2022 + rng.below(3) as i32;
        let bank = vec![0; partners.len()];
        let mut s = Synth {
            rng,
            out: String::with_capacity(postings * 72 + 16_384),
            place,
            partners,
            sources,
            schemes,
            lines,
            spenders,
            start,
            years,
            income_cap: 0,
            income_count: 0,
            spend_cap: 0,
            spend_count: 0,
            bank,
            accrued: Vec::new(),
            sequence: 0,
        };
        // Contributions first, but never more than half the postings.
        let per_year: usize = s
            .contributions(0)
            .iter()
            .map(|c| match c.schedule {
                Schedule::Quarterly => 8,
                Schedule::Monthly => 24,
                Schedule::Annual => 2,
            })
            .sum();
        let income = per_year * years + 2;
        s.income_cap = income.min(postings / 2);
        s.spend_cap = postings - s.income_cap;
        s
    }

    /// The budget of a line in year `y`, in pence: 3% growth a year, in
    /// whole thousands.
    fn budget(&self, line: usize, y: usize) -> i64 {
        let grown = self.lines[line].base as f64 * 1.03f64.powi(y as i32);
        (grown / 100_000.0).round() as i64 * 100_000
    }

    /// What each partner puts into each source in year `y`: the source's
    /// budgets, shared between the partners it comes from.
    fn contributions(&self, y: usize) -> Vec<ContributionPlan> {
        let mut plans = Vec::new();
        for (f, source) in self.sources.iter().enumerate() {
            let total: i64 = (0..self.lines.len())
                .filter(|&l| self.lines[l].source == f)
                .map(|l| self.budget(l, y))
                .sum();
            if total == 0 {
                continue;
            }
            let n = source.from.len() as i64;
            for (i, &partner) in source.from.iter().enumerate() {
                // Whole pounds; the last partner takes the odd pounds.
                let share = if i as i64 == n - 1 {
                    total - (total / 100 / n) * 100 * (n - 1)
                } else {
                    (total / 100 / n) * 100
                };
                let schedule = match (partner, source.ring_fence.is_empty()) {
                    (ICB, false) => Schedule::Monthly,
                    (_, true) => Schedule::Annual,
                    _ => Schedule::Quarterly,
                };
                plans.push(ContributionPlan {
                    partner,
                    source: f,
                    amount: share,
                    schedule,
                });
            }
        }
        plans
    }

    fn year_text(&self, y: usize) -> String {
        let s = self.start + y as i32;
        format!("{s}/{:02}", (s + 1) % 100)
    }

    /// The date of day `day` of month `m` (0 = April) of year `y`.
    fn date(&self, y: usize, m: usize, day: u32) -> Date {
        let calendar_month = ((m + 3) % 12 + 1) as u32;
        let calendar_year = self.start + y as i32 + i32::from(m >= 9);
        let last = oneplace_core::days_in_month(calendar_year, calendar_month);
        Date::new(calendar_year, calendar_month, day.min(last)).expect("a valid date")
    }

    fn run(mut self) -> String {
        self.declarations();
        for y in 0..self.years {
            self.plans(y);
            let contributions = self.contributions(y);
            for m in 0..12 {
                if y == 0 && m == 0 {
                    self.opening_balance();
                }
                for c in &contributions {
                    self.contribution(y, m, c);
                }
                self.pay_creditors(y, m);
                self.spending(y, m);
            }
            self.year_end(y);
        }
        self.out
    }

    fn declarations(&mut self) {
        let place = self.place;
        let id = place.to_ascii_lowercase();
        let o = &mut self.out;
        let _ = writeln!(
            o,
            "; {place} Better Care Fund: a fictional section 75 pooled fund.\n\
             ; Synthetic: written by oneplace's ledger generator.\n"
        );
        let _ = writeln!(
            o,
            "place {id} \"{place} Health and Wellbeing Board area\"\n"
        );
        for (i, p) in self.partners.iter().enumerate() {
            let _ = writeln!(o, "partner {} \"{}\"\n  kind {}", p.id, p.name, p.kind);
            if i == COUNCIL {
                o.push_str("  host\n");
            }
            let _ = writeln!(o, "  vat-recovery {}\n", p.vat);
        }
        let materiality = self.rng.range(1, 5) * 5_000;
        let _ = writeln!(
            o,
            "fund bcf \"{place} Better Care Fund\"\n  basis s75-pooled\n  host county-council\n  materiality £{},000 2%\n",
            materiality / 1000
        );
        for s in &self.sources {
            let from: Vec<&str> = s
                .from
                .iter()
                .map(|&p| self.partners[p].id.as_str())
                .collect();
            let _ = writeln!(
                o,
                "source {} \"{}\"\n  from {}",
                s.id,
                s.name,
                from.join(", ")
            );
            if !s.ring_fence.is_empty() {
                let _ = writeln!(o, "  ring-fence {}", s.ring_fence.join(", "));
            }
            o.push('\n');
        }
        for s in &self.schemes {
            let _ = writeln!(
                o,
                "scheme {} \"{}\"\n  type {}",
                s.kind.id, s.kind.name, s.kind.kind
            );
            o.push_str("  commissioner");
            for &(p, share) in &s.commissioners {
                let _ = write!(o, " {} {share}%", self.partners[p].id);
            }
            let sources: Vec<&str> = s.sources.iter().map(|&f| self.sources[f].id).collect();
            let _ = writeln!(
                o,
                "\n  provider \"{}\"\n  sources {}\n",
                s.kind.provider,
                sources.join(", ")
            );
        }
        for y in 0..self.years {
            let _ = writeln!(self.out, "year {} open", self.year_text(y));
        }
    }

    fn plans(&mut self, y: usize) {
        let fy = self.year_text(y);
        if y > 0 {
            // Last year's spending is all in: close it.
            let _ = writeln!(self.out, "\nclose {}", self.year_text(y - 1));
        }
        let _ = writeln!(self.out, "\n; ---- {fy} ----\n");
        for l in 0..self.lines.len() {
            let line = &self.lines[l];
            let _ = write!(
                self.out,
                "budget {fy} {} {} ",
                self.schemes[line.scheme].kind.id, self.sources[line.source].id
            );
            let seasonal = line.seasonal;
            let amount = self.budget(l, y);
            push_money(&mut self.out, amount);
            self.out.push('\n');
            if seasonal {
                let _ = writeln!(self.out, "  profile {SEASONAL_TEXT}");
            }
        }
        self.out.push('\n');
        for c in self.contributions(y) {
            let _ = write!(
                self.out,
                "contribution {fy} {} {} ",
                self.partners[c.partner].id, self.sources[c.source].id
            );
            push_money(&mut self.out, c.amount);
            let schedule = match c.schedule {
                Schedule::Quarterly => "quarterly",
                Schedule::Monthly => "monthly",
                Schedule::Annual => "annual",
            };
            let _ = writeln!(self.out, "\n  instalments {schedule}");
        }
        self.out.push('\n');
        // Forecasts for a few lines.
        let n = self.lines.len();
        let first = self.rng.below(n as u64) as usize;
        for k in 0..3.min(n) {
            let l = (first + k * 5) % n;
            if k > 0 && l == first {
                break;
            }
            let line = &self.lines[l];
            let _ = write!(
                self.out,
                "forecast {fy} {} {} ",
                self.schemes[line.scheme].kind.id, self.sources[line.source].id
            );
            let manual = self.budget(l, y) / 100_000 * 102_000;
            match k {
                0 => self.out.push_str("run-rate"),
                1 => self.out.push_str("profile"),
                _ => push_money(&mut self.out, manual),
            }
            self.out.push('\n');
        }
        // Commitments: purchase orders, most cleared within the year.
        for k in 0..self.rng.range(2, 5) {
            let l = self.rng.below(n as u64) as usize;
            let m = self.rng.below(11) as usize;
            let day = self.rng.range(1, 28) as u32;
            let date = self.date(y, m, day);
            let amount = self.rng.range(1, 60) * 100_000;
            let line = &self.lines[l];
            let _ = write!(
                self.out,
                "commitment {date} {} {} ",
                self.schemes[line.scheme].kind.id, self.sources[line.source].id
            );
            push_money(&mut self.out, amount);
            let _ = writeln!(
                self.out,
                " \"PO-{}{:03}: {}\"",
                self.start as usize + y,
                k + 1,
                self.schemes[line.scheme].kind.provider
            );
            if self.rng.chance(0.7) {
                let day = self.rng.range(1, 28) as u32;
                let cleared = self.date(y, m + 1, day);
                let _ = writeln!(self.out, "  cleared {cleared}");
            }
        }
        // A virement between two lines of one source, approved by the board.
        let pairs: Vec<(usize, usize)> = (0..n)
            .flat_map(|a| (0..n).map(move |b| (a, b)))
            .filter(|&(a, b)| a != b && self.lines[a].source == self.lines[b].source)
            .collect();
        if !pairs.is_empty() {
            let (a, b) = *self.rng.pick(&pairs);
            let m = self.rng.range(2, 8) as usize;
            let date = self.date(y, m, 15);
            let amount = (self.budget(a, y) / 20 / 100_000).max(1) * 100_000;
            let _ = write!(self.out, "virement {date} ");
            push_money(&mut self.out, amount);
            let (la, lb) = (&self.lines[a], &self.lines[b]);
            let _ = writeln!(
                self.out,
                " {} {} -> {} {} \"Board {}\"",
                self.schemes[la.scheme].kind.id,
                self.sources[la.source].id,
                self.schemes[lb.scheme].kind.id,
                self.sources[lb.source].id,
                self.date(y, m, 1)
            );
        }
    }

    fn opening_balance(&mut self) {
        if self.income_count + 2 > self.income_cap {
            return;
        }
        self.income_count += 2;
        let amount = self.rng.range(100, 900) * 100_000;
        let date = self.date(0, 0, 1);
        let host = &self.partners[COUNCIL];
        let _ = writeln!(
            self.out,
            "\n{date} Balance brought forward from the previous pool  ; ref:{}-OB-{} partner:{}",
            host.code, self.start, host.id
        );
        self.out.push_str("  assets:bank:pooled  ");
        push_money(&mut self.out, amount);
        self.out.push_str("\n  equity:reserves  ");
        push_money(&mut self.out, -amount);
        self.out.push('\n');
        self.bank[COUNCIL] += amount;
    }

    fn contribution(&mut self, y: usize, m: usize, c: &ContributionPlan) {
        let (n, index) = match c.schedule {
            Schedule::Monthly => (12, m),
            Schedule::Quarterly if m.is_multiple_of(3) => (4, m / 3),
            Schedule::Annual if m == 0 => (1, 0),
            _ => return,
        };
        if self.income_count + 2 > self.income_cap {
            return;
        }
        self.income_count += 2;
        // As the plan allocates it: equal parts, the odd pence last.
        let base = c.amount / n as i64;
        let amount = if index + 1 == n {
            c.amount - base * (n as i64 - 1)
        } else {
            base
        };
        let p = &self.partners[c.partner];
        let f = &self.sources[c.source];
        let when = match c.schedule {
            Schedule::Monthly => MONTHS[m].to_string(),
            Schedule::Quarterly => format!("Q{}", index + 1),
            Schedule::Annual => "annual".to_string(),
        };
        let _ = writeln!(
            self.out,
            "\n{} {} {} contribution: {}  ; ref:{}-{}-{}-{}",
            self.date(y, m, 1),
            p.code,
            when,
            f.name,
            p.code,
            self.start as usize + y,
            index + 1,
            f.id.to_ascii_uppercase()
        );
        let dims = format!("partner:{} source:{}", p.id, f.id);
        self.out.push_str("  assets:bank:pooled  ");
        push_money(&mut self.out, amount);
        let _ = write!(self.out, "  {dims}\n  income:contributions  ");
        push_money(&mut self.out, -amount);
        let _ = writeln!(self.out, "  {dims}");
        self.bank[c.partner] += amount;
    }

    fn pay_creditors(&mut self, y: usize, m: usize) {
        let due = std::mem::take(&mut self.accrued);
        let date = self.date(y, m, 1);
        for a in due {
            if self.spend_count + 2 > self.spend_cap {
                break;
            }
            self.spend_count += 2;
            let p = &self.partners[a.partner];
            let _ = writeln!(
                self.out,
                "\n{date} Payment of invoice {}  ; ref:{}-PAY-{} partner:{}",
                a.reference,
                p.code,
                &a.reference[p.code.len() + 4..],
                p.id
            );
            self.out.push_str("  liabilities:creditors  ");
            push_money(&mut self.out, a.amount);
            self.out.push_str("\n  assets:bank:pooled\n");
            self.bank[a.partner] -= a.amount;
        }
    }

    fn spending(&mut self, y: usize, m: usize) {
        let months = 12 * self.years;
        let g = 12 * y + m;
        let target = self.spend_cap * (g + 1) / months;
        if self.spenders.is_empty() || self.spend_count >= target {
            return;
        }
        // About 3.3 postings an invoice, with the payments of accrued ones.
        let rounds = ((target - self.spend_count) as f64 / (self.spenders.len() as f64 * 3.3))
            .ceil()
            .max(1.0) as usize;
        let weight = |l: &Line| if l.seasonal { SEASONAL[m] } else { 1.0 };
        'rounds: for round in 0.. {
            let day = 1 + (round * 28 / rounds).min(27) as u32;
            let date = self.date(y, m, day);
            for s in 0..self.spenders.len() {
                if self.spend_count >= target || self.spend_count + 2 > self.spend_cap {
                    break 'rounds;
                }
                let (l, partner, share) = self.spenders[s];
                let line = &self.lines[l];
                let monthly = self.budget(l, y) as f64 * weight(line) / 12.0;
                let mean = monthly * f64::from(share) / 100.0 / rounds as f64;
                let total = ((mean * (0.7 + 0.5 * self.rng.unit())) as i64).max(100);
                let room = self.spend_cap - self.spend_count - 1;
                let lines = (self.rng.range(1, 3) as usize).min(room);
                let via_creditors = self.rng.chance(0.15);
                self.invoice(date, m, l, partner, total, lines, via_creditors);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn invoice(
        &mut self,
        date: Date,
        m: usize,
        l: usize,
        partner: usize,
        total: i64,
        lines: usize,
        via_creditors: bool,
    ) {
        self.sequence += 1;
        self.spend_count += lines + 1;
        let p = &self.partners[partner];
        let line = &self.lines[l];
        let scheme = &self.schemes[line.scheme];
        let source = self.sources[line.source].id;
        let reference = format!("{}-AP-{:07}", p.code, self.sequence);
        let _ = writeln!(
            self.out,
            "\n{date} {} {}: {}  ; ref:{reference} partner:{}",
            scheme.kind.name, MONTHS[m], scheme.kind.provider, p.id
        );
        let mut left = total;
        for i in 0..lines {
            let amount = if i + 1 == lines {
                left
            } else {
                let part = (total as f64 * (0.2 + 0.4 * self.rng.unit()) / lines as f64) as i64;
                part.clamp(1, left - (lines - i - 1) as i64)
            };
            left -= amount;
            let account = EXPENDITURE[(self.rng.below(EXPENDITURE.len() as u64)) as usize];
            self.out.push_str("  ");
            self.out.push_str(account);
            self.out.push_str("  ");
            push_money(&mut self.out, amount);
            let _ = writeln!(self.out, "  scheme:{} source:{source}", scheme.kind.id);
        }
        if via_creditors {
            self.out.push_str("  liabilities:creditors  ");
            push_money(&mut self.out, -total);
            self.out.push('\n');
            self.accrued.push(Accrued {
                partner,
                amount: total,
                reference,
            });
        } else {
            // The bank line takes the balance, as a partner's export would.
            self.out.push_str("  assets:bank:pooled\n");
            self.bank[partner] -= total;
        }
    }

    fn year_end(&mut self, y: usize) {
        let date = self.date(y, 11, 31);
        let total: i64 = self.bank.iter().sum();
        self.out.push('\n');
        let _ = write!(self.out, "balance {date} assets:bank:pooled ");
        push_money(&mut self.out, total);
        let _ = write!(self.out, "\nbalance {date} assets:bank:pooled ");
        push_money(&mut self.out, self.bank[COUNCIL]);
        let _ = writeln!(self.out, " partner:{}", self.partners[COUNCIL].id);
    }
}

/// `£1,234.56`, `-£1,234.56`.
fn push_money(out: &mut String, pence: i64) {
    if pence < 0 {
        out.push('-');
    }
    out.push('£');
    let abs = pence.unsigned_abs();
    let pounds = abs / 100;
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = pounds;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let digits = &digits[i..];
    for (k, d) in digits.iter().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(char::from(*d));
    }
    out.push('.');
    let p = (abs % 100) as u8;
    out.push(char::from(b'0' + p / 10));
    out.push(char::from(b'0' + p % 10));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Journal, load};

    fn loads(postings: usize, seed: u64) -> crate::Ledger {
        let text = synthesize(postings, seed);
        load(&[Journal {
            name: "synthetic.journal",
            text: &text,
        }])
        .unwrap_or_else(|e| panic!("{postings} postings, seed {seed}: {e}\n{text}"))
    }

    #[test]
    fn money() {
        let mut s = String::new();
        for p in [0, 5, 123_456_789, -100_000, 99_999] {
            push_money(&mut s, p);
            s.push(' ');
        }
        assert_eq!(s, "£0.00 £0.05 £1,234,567.89 -£1,000.00 £999.99 ");
    }

    #[test]
    fn small_ledgers_load_for_several_seeds() {
        for seed in 0..8 {
            for postings in [0, 1, 2, 3, 5, 10, 50, 333, 10_000] {
                let l = loads(postings, seed);
                assert!(l.postings.len() <= postings, "{postings} {seed}");
                if postings >= 50 {
                    assert!(
                        l.postings.len() + 10 >= postings,
                        "{postings} {seed}: {}",
                        l.postings.len()
                    );
                }
                assert!((4..=6).contains(&l.partners.len()));
                assert!((10..=20).contains(&l.schemes.len()));
                assert_eq!(l.host(), Some(0));
            }
        }
    }

    #[test]
    fn deterministic_and_seeded() {
        assert_eq!(synthesize(2_000, 7), synthesize(2_000, 7));
        assert_ne!(synthesize(2_000, 7), synthesize(2_000, 8));
    }

    #[test]
    fn large_ledgers_span_years() {
        let l = loads(400_000, 3);
        assert_eq!(l.years.len(), 2);
        assert!(l.postings.len() + 10 >= 400_000, "{}", l.postings.len());
        assert!(l.assertions.len() >= 4);
    }
}
