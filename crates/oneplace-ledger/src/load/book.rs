//! Booking: from what was parsed to a checked ledger.

use oneplace_core::{FinancialYear, Money, allocate_weights, is_identifier};
use rustc_hash::FxHashMap;

use super::*;

/// Basis points in 100%.
const WHOLE: u32 = 10_000;

fn percent_bp(text: &str) -> Option<u32> {
    let t = text.strip_suffix('%')?;
    let x: f64 = t.parse().ok()?;
    (0.0..=100.0)
        .contains(&x)
        .then(|| (x * 100.0).round() as u32)
}

impl RawPlan {
    /// The amount a plan states (for the ledger's total), and where.
    fn size(&self) -> (Money, At) {
        match self {
            RawPlan::Budget { at, amount, .. }
            | RawPlan::Commitment { at, amount, .. }
            | RawPlan::Virement { at, amount, .. }
            | RawPlan::Assertion { at, amount, .. } => (*amount, *at),
            RawPlan::Contribution { at, amount, .. } => (*amount, *at),
            RawPlan::Forecast { at, method, .. } => match method {
                ForecastMethod::Manual(m) => (*m, *at),
                _ => (Money::ZERO, *at),
            },
        }
    }
}

impl Loader {
    pub(super) fn book(&mut self) {
        self.declarations();
        let partner_of = self.resolver(|l, name| l.ledger.partner(name));
        let scheme_of = self.resolver(|l, name| l.ledger.scheme(name));
        let source_of = self.resolver(|l, name| l.ledger.source(name));
        self.years();
        self.transactions(&partner_of, &scheme_of, &source_of);
        self.plans_and_assertions();
    }

    /// Maps every interned symbol to the id it names in one table.
    fn resolver(&self, find: impl Fn(&Loader, &str) -> Option<Id>) -> Vec<Id> {
        self.symbol_names
            .iter()
            .map(|n| find(self, n).unwrap_or(NONE))
            .collect()
    }

    fn declarations(&mut self) {
        let decls = std::mem::take(&mut self.decls);
        // Two passes: partners first, since the others refer to them.
        let mut seen: FxHashMap<(&'static str, String), At> = FxHashMap::default();
        for d in &decls {
            if let Some(first) = seen.get(&(d.keyword, d.id.clone())) {
                let first = self.location(*first);
                self.error(
                    d.at,
                    format!(
                        "{} '{}' is declared twice (first at {first})",
                        d.keyword, d.id
                    ),
                );
            } else {
                seen.insert((d.keyword, d.id.clone()), d.at);
            }
        }
        for d in decls.iter().filter(|d| d.keyword == "partner") {
            self.partner(d);
        }
        let hosts: Vec<At> = decls
            .iter()
            .filter(|d| d.keyword == "partner" && d.lines.iter().any(|(l, _)| l.trim() == "host"))
            .map(|d| d.at)
            .collect();
        if hosts.len() > 1 {
            self.error(
                hosts[1],
                "a second host partner: a pooled fund has exactly one host",
            );
        }
        for d in decls.iter().filter(|d| d.keyword == "source") {
            self.source_decl(d);
        }
        for d in decls.iter().filter(|d| d.keyword == "scheme") {
            self.scheme_decl(d);
        }
        for d in &decls {
            match d.keyword {
                "place" => {
                    if self.ledger.place.is_some() {
                        self.error(d.at, "a second place: a ledger is for one place");
                    }
                    self.ledger.place = Some(Place {
                        id: d.id.clone(),
                        name: d.name.clone(),
                    });
                }
                "fund" => self.fund_decl(d),
                _ => {}
            }
        }
    }

    fn partner(&mut self, d: &Decl) {
        let mut p = Partner {
            id: d.id.clone(),
            name: d.name.clone(),
            kind: String::new(),
            host: false,
            vat_recovery: VatRecovery::Full,
        };
        for (line, at) in &d.lines {
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("kind"), Some(k)) => match oneplace_core::AgencyVocabulary::seeded().get(k) {
                    Some(kind) => p.kind = kind.id.clone(),
                    None => self.error_expected(
                        *at,
                        format!("unknown partner kind '{k}'"),
                        "a kind from the agency vocabulary, such as county-council, icb, police",
                    ),
                },
                (Some("host"), None) => p.host = true,
                (Some("vat-recovery"), Some(v)) => {
                    p.vat_recovery = match v {
                        "full" => VatRecovery::Full,
                        "partial" => VatRecovery::Partial,
                        "none" => VatRecovery::None,
                        _ => {
                            self.error_expected(
                                *at,
                                format!("unknown VAT recovery '{v}'"),
                                "full, partial or none",
                            );
                            continue;
                        }
                    }
                }
                _ => self.error_expected(
                    *at,
                    format!("'{line}' does not belong to a partner"),
                    "kind KIND, host or vat-recovery full|partial|none",
                ),
            }
        }
        self.ledger.partners.push(p);
    }

    fn partner_ref(&mut self, name: &str, at: At) -> Option<Id> {
        let found = self.ledger.partner(name);
        if found.is_none() {
            let ids: Vec<&str> = self.ledger.partners.iter().map(|p| p.id.as_str()).collect();
            let expected = format!("a declared partner: {}", ids.join(", "));
            self.error_expected(at, format!("unknown partner '{name}'"), expected);
        }
        found
    }

    fn source_ref(&mut self, name: &str, at: At) -> Option<Id> {
        let found = self.ledger.source(name);
        if found.is_none() {
            let ids: Vec<&str> = self.ledger.sources.iter().map(|p| p.id.as_str()).collect();
            let expected = format!("a declared funding source: {}", ids.join(", "));
            self.error_expected(at, format!("unknown funding source '{name}'"), expected);
        }
        found
    }

    fn scheme_ref(&mut self, name: &str, at: At) -> Option<Id> {
        let found = self.ledger.scheme(name);
        if found.is_none() {
            let ids: Vec<&str> = self.ledger.schemes.iter().map(|p| p.id.as_str()).collect();
            let expected = format!("a declared scheme: {}", ids.join(", "));
            self.error_expected(at, format!("unknown scheme '{name}'"), expected);
        }
        found
    }

    fn source_decl(&mut self, d: &Decl) {
        let mut s = Source {
            id: d.id.clone(),
            name: d.name.clone(),
            from: Vec::new(),
            ring_fence: Vec::new(),
        };
        for (line, at) in &d.lines {
            let (key, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            match key {
                "from" => {
                    for name in rest.split([',', ' ']).filter(|x| !x.is_empty()) {
                        if let Some(p) = self.partner_ref(name, *at) {
                            s.from.push(p);
                        }
                    }
                }
                "ring-fence" => {
                    s.ring_fence = rest
                        .split(',')
                        .map(str::trim)
                        .filter(|x| !x.is_empty())
                        .map(str::to_string)
                        .collect();
                }
                _ => self.error_expected(
                    *at,
                    format!("'{line}' does not belong to a source"),
                    "from PARTNER or ring-fence TYPE, TYPE…",
                ),
            }
        }
        self.ledger.sources.push(s);
    }

    fn scheme_decl(&mut self, d: &Decl) {
        let mut s = Scheme {
            id: d.id.clone(),
            name: d.name.clone(),
            kind: String::new(),
            commissioners: Vec::new(),
            provider: None,
            sources: Vec::new(),
        };
        for (line, at) in &d.lines {
            let (key, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let rest = rest.trim();
            match key {
                "type" if is_identifier(rest) => s.kind = rest.to_string(),
                "type" => self.error_expected(
                    *at,
                    format!("'{rest}' is not a scheme type"),
                    "a kebab-case type such as intermediate-care",
                ),
                "provider" => s.provider = Some(unquote(rest).unwrap_or(rest).to_string()),
                "sources" => {
                    for name in rest.split([',', ' ']).filter(|x| !x.is_empty()) {
                        if let Some(id) = self.source_ref(name, *at) {
                            s.sources.push(id);
                        }
                    }
                }
                "commissioner" => {
                    let words: Vec<&str> = rest.split_whitespace().collect();
                    let mut total = 0;
                    let mut ok = words.len().is_multiple_of(2) && !words.is_empty();
                    for pair in words.chunks(2) {
                        let (Some(p), Some(share)) =
                            (pair.first(), pair.get(1).and_then(|x| percent_bp(x)))
                        else {
                            ok = false;
                            break;
                        };
                        if let Some(p) = self.partner_ref(p, *at) {
                            s.commissioners.push((p, share));
                            total += share;
                        }
                    }
                    if !ok {
                        self.error_expected(
                            *at,
                            "a commissioner line lists partners with their percentages",
                            "commissioner icb 60% county-council 40%",
                        );
                    } else if total != WHOLE {
                        self.error_expected(
                            *at,
                            format!(
                                "the commissioners' shares add up to {}%",
                                f64::from(total) / 100.0
                            ),
                            "shares adding up to 100%",
                        );
                    }
                }
                _ => self.error_expected(
                    *at,
                    format!("'{line}' does not belong to a scheme"),
                    "type, commissioner, provider or sources",
                ),
            }
        }
        if s.kind.is_empty() {
            self.error_expected(
                d.at,
                format!("scheme '{}' has no type", d.id),
                "a `type TYPE` line",
            );
        }
        if s.commissioners.is_empty() {
            self.error_expected(
                d.at,
                format!("scheme '{}' has no commissioner", d.id),
                "a `commissioner PARTNER 100%` line",
            );
        }
        self.ledger.schemes.push(s);
    }

    fn fund_decl(&mut self, d: &Decl) {
        let mut f = Fund {
            id: d.id.clone(),
            name: d.name.clone(),
            basis: Basis::S75Pooled,
            host: None,
            materiality_amount: Money::ZERO,
            materiality_percent: 0.0,
        };
        for (line, at) in &d.lines {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["basis", b] => match Basis::ALL.iter().find(|(n, _)| n == b) {
                    Some((_, basis)) => f.basis = *basis,
                    None => self.error_expected(
                        *at,
                        format!("unknown basis '{b}'"),
                        Basis::ALL.map(|(n, _)| n).join(", "),
                    ),
                },
                ["host", p] => f.host = self.partner_ref(p, *at),
                ["materiality", amount, percent] => {
                    match (parse_money(amount), percent_bp(percent)) {
                        (Ok(m), Some(bp)) if !m.is_negative() => {
                            f.materiality_amount = m;
                            f.materiality_percent = f64::from(bp) / WHOLE as f64;
                        }
                        _ => self.error_expected(
                            *at,
                            "a materiality rule is an amount and a percentage",
                            "materiality £25,000 2%",
                        ),
                    }
                }
                _ => self.error_expected(
                    *at,
                    format!("'{line}' does not belong to a fund"),
                    "basis, host or materiality",
                ),
            }
        }
        // A pooled fund is held by a host partner; only an aligned budget
        // (a reporting overlay, where no money moves) may have none.
        if f.basis != Basis::Aligned && self.ledger.host().is_none() {
            self.error_expected(
                d.at,
                format!("fund '{}' is pooled but no partner is its host", d.id),
                "a `host` line under the partner that holds the fund (or `basis aligned`)",
            );
        }
        self.ledger.funds.push(f);
    }

    fn years(&mut self) {
        let mut years: Vec<(FinancialYear, YearState)> = Vec::new();
        for (y, _) in &self.opens {
            if !years.iter().any(|(x, _)| x == y) {
                years.push((*y, YearState::Open));
            }
        }
        for (y, _, _) in &self.closes {
            match years.iter_mut().find(|(x, _)| x == y) {
                Some(entry) => entry.1 = YearState::Closed,
                None => years.push((*y, YearState::Closed)),
            }
        }
        years.sort_by_key(|(y, _)| *y);
        self.ledger.years = years;
    }

    /// Whether a posting dated in `year` may be made at sequence `seq`:
    /// `None` if so, or why not.
    fn year_problem(&self, year: FinancialYear, seq: u32) -> Option<String> {
        if let Some((_, closed_at, at)) =
            self.closes.iter().find(|(y, s, _)| *y == year && *s < seq)
        {
            let _ = closed_at;
            return Some(format!("{year} was closed at {}", self.location(*at)));
        }
        if !self.opens.iter().any(|(y, _)| *y == year)
            && !self.closes.iter().any(|(y, _, _)| *y == year)
        {
            return Some(format!(
                "{year} is not an open financial year (declare `year {year} open`)"
            ));
        }
        None
    }

    fn transactions(&mut self, partner_of: &[Id], scheme_of: &[Id], source_of: &[Id]) {
        let txns = std::mem::take(&mut self.txns);
        let raw = std::mem::take(&mut self.postings);
        self.ledger.postings.reserve(raw.len());
        self.ledger.transactions.reserve(txns.len());
        let mut references: FxHashMap<String, (u16, u32)> = FxHashMap::default();
        let resolve = |table: &[Id], sym: Sym| {
            if sym == NO_SYM {
                NONE
            } else {
                table[sym as usize]
            }
        };
        for t in &txns {
            if t.seq == u32::MAX {
                continue; // its date was already reported
            }
            let at = At {
                file: t.file,
                line: t.line,
                column: 1,
            };
            if let Some(problem) = self.year_problem(t.date.financial_year(), t.seq) {
                self.error(
                    at,
                    format!(
                        "{} is dated in a year that does not take postings: {problem}",
                        t.date
                    ),
                );
            }
            if let Some(r) = &t.reference {
                if let Some(&(file, line)) = references.get(r) {
                    let first = self.location(At {
                        file,
                        line,
                        column: 1,
                    });
                    self.error(
                        at,
                        format!("reference '{r}' is used twice (first at {first})"),
                    );
                } else {
                    references.insert(r.clone(), (t.file, t.line));
                }
            }
            let first = self.ledger.postings.len() as u32;
            let mut sum = Money::ZERO;
            let mut elided: Option<usize> = None;
            let mut ok = true;
            // Whether every amount was read and added up exactly.
            let mut summed = true;
            let postings = &raw[t.first as usize..(t.first + t.count) as usize];
            if postings.is_empty() {
                self.error(at, "a transaction with no postings");
            }
            for p in postings {
                let p_at = |column: u16| At {
                    file: t.file,
                    line: p.line,
                    column: u32::from(if column == 0 { p.col_account } else { column }),
                };
                let pick = |own: Sym, default: Sym| if own != NO_SYM { own } else { default };
                let (psym, ssym, fsym) = (
                    pick(p.partner, t.partner),
                    pick(p.scheme, t.scheme),
                    pick(p.source, t.source),
                );
                let partner = resolve(partner_of, psym);
                let scheme = resolve(scheme_of, ssym);
                let source = resolve(source_of, fsym);
                let root = self.ledger.accounts[p.account as usize].root;
                // Unknown names, then missing dimensions.
                if psym == NO_SYM {
                    self.error_expected(
                        p_at(0),
                        "the posting has no partner",
                        "partner:ID on the posting or in the transaction's header",
                    );
                    ok = false;
                } else if partner == NONE {
                    let name = self.symbol_names[psym as usize].clone();
                    self.partner_ref(&name, p_at(p.col_partner));
                    ok = false;
                }
                if ssym != NO_SYM && scheme == NONE {
                    let name = self.symbol_names[ssym as usize].clone();
                    self.scheme_ref(&name, p_at(p.col_scheme));
                    ok = false;
                }
                if fsym != NO_SYM && source == NONE {
                    let name = self.symbol_names[fsym as usize].clone();
                    self.source_ref(&name, p_at(p.col_source));
                    ok = false;
                }
                let needs_source = matches!(root, Root::Income | Root::Expenditure);
                if needs_source && fsym == NO_SYM {
                    self.error_expected(
                        p_at(0),
                        "income and expenditure postings need a funding source",
                        "source:ID",
                    );
                    ok = false;
                }
                if root == Root::Expenditure && ssym == NO_SYM {
                    self.error_expected(p_at(0), "expenditure postings need a scheme", "scheme:ID");
                    ok = false;
                }
                if root == Root::Expenditure
                    && scheme != NONE
                    && source != NONE
                    && !self.ledger.schemes[scheme as usize]
                        .sources
                        .contains(&source)
                {
                    let s = &self.ledger.schemes[scheme as usize];
                    let listed: Vec<&str> = s
                        .sources
                        .iter()
                        .map(|i| self.ledger.sources[*i as usize].id.as_str())
                        .collect();
                    let message = format!(
                        "scheme '{}' is not funded by source '{}'",
                        s.id, self.ledger.sources[source as usize].id
                    );
                    self.error_expected(
                        p_at(p.col_source),
                        message,
                        format!("one of the scheme's sources: {}", listed.join(", ")),
                    );
                    ok = false;
                }
                if p.bad_amount {
                    // Already reported where it is written; the transaction
                    // cannot be checked further.
                    ok = false;
                    summed = false;
                }
                match p.amount {
                    None if p.bad_amount => {}
                    Some(m) => {
                        self.weigh(m, p_at(p.col_amount));
                        match sum.checked_add(m) {
                            Some(s) => sum = s,
                            None => {
                                self.error_expected(
                                    p_at(p.col_amount),
                                    "the transaction's amounts are too large to add up exactly",
                                    "amounts of at most £1,000,000,000,000.00 in size",
                                );
                                ok = false;
                                summed = false;
                            }
                        }
                    }
                    None if elided.is_none() => elided = Some(self.ledger.postings.len()),
                    None => {
                        self.error(
                            p_at(0),
                            "a second posting without an amount: only one may take the balance",
                        );
                        ok = false;
                    }
                }
                self.ledger.postings.push(Posting {
                    account: p.account,
                    partner,
                    scheme,
                    source,
                    amount: p.amount.unwrap_or(Money::ZERO),
                });
            }
            match elided {
                Some(i) if summed => self.ledger.postings[i].amount = -sum,
                Some(_) => {}
                None if !sum.is_zero() && ok => {
                    self.error_expected(
                        at,
                        format!("the transaction does not balance: its postings add up to {sum}"),
                        "postings that add up to £0.00",
                    );
                }
                None => {}
            }
            self.ledger.transactions.push(Transaction {
                date: t.date,
                description: t.description.clone(),
                reference: t.reference.clone(),
                first,
                count: self.ledger.postings.len() as u32 - first,
                line: t.line,
                file: t.file,
            });
        }
    }

    fn plans_and_assertions(&mut self) {
        let plans = std::mem::take(&mut self.plans);
        let seqs = std::mem::take(&mut self.plan_seqs);
        // Assertions are checked together after the loop, in one pass over
        // the postings in date order.
        let mut to_check: Vec<(usize, At)> = Vec::new();
        for (plan, seq) in plans.into_iter().zip(seqs) {
            let (size, at) = plan.size();
            self.weigh(size, at);
            // Budgets, commitments and virements belong to a year that takes
            // them: declared, and not closed before them in file order.
            let planned_year = match &plan {
                RawPlan::Budget { year, .. } => Some((*year, "budget")),
                RawPlan::Commitment { date, .. } => Some((date.financial_year(), "commitment")),
                RawPlan::Virement { date, .. } => Some((date.financial_year(), "virement")),
                _ => None,
            };
            if let Some((year, what)) = planned_year
                && let Some(problem) = self.year_problem(year, seq)
            {
                self.error(
                    at,
                    format!("a {what} for {year}, which does not take plans: {problem}"),
                );
                continue;
            }
            match plan {
                RawPlan::Budget {
                    at,
                    year,
                    scheme,
                    source,
                    amount,
                    profile,
                } => {
                    let (Some(scheme), Some(source)) = (
                        self.scheme_ref(&scheme.0, scheme.1),
                        self.source_ref(&source.0, source.1),
                    ) else {
                        continue;
                    };
                    if let Some(problem) = self.line_problem(scheme, source) {
                        self.error(at, problem);
                        continue;
                    }
                    let weights: Vec<i64> = match profile {
                        Some((w, _)) => w.iter().map(|x| *x as i64).collect(),
                        None => vec![1; 12],
                    };
                    let parts =
                        allocate_weights(amount, &weights).expect("twelve weights, not all zero");
                    let mut monthly = [Money::ZERO; 12];
                    monthly.copy_from_slice(&parts);
                    if self
                        .ledger
                        .budgets
                        .iter()
                        .any(|b| b.year == year && b.scheme == scheme && b.source == source)
                    {
                        self.error(
                            at,
                            format!(
                                "a second budget for {year} {} {}",
                                self.ledger.schemes[scheme as usize].id,
                                self.ledger.sources[source as usize].id
                            ),
                        );
                        continue;
                    }
                    let location = self.location(at);
                    self.ledger.budgets.push(Budget {
                        year,
                        scheme,
                        source,
                        annual: amount,
                        monthly,
                        location,
                    });
                }
                RawPlan::Contribution {
                    at,
                    year,
                    partner,
                    source,
                    amount,
                    client_income,
                    schedule,
                    remainder,
                    instalments,
                } => {
                    if client_income > amount {
                        self.error(
                            at,
                            format!(
                                "client income {client_income} exceeds the contribution {amount}"
                            ),
                        );
                        continue;
                    }
                    // The partner pays its contribution net of the charges
                    // service users pay towards the same services.
                    let net = amount - client_income;
                    let (Some(partner), Some(source)) = (
                        self.partner_ref(&partner.0, partner.1),
                        self.source_ref(&source.0, source.1),
                    ) else {
                        continue;
                    };
                    let list = if !instalments.is_empty() {
                        if schedule.is_some() {
                            self.error(at, "give `instalments` or `instalment` lines, not both");
                            continue;
                        }
                        let total: Money = instalments.iter().map(|i| i.1).sum();
                        if total != net {
                            self.error_expected(
                                at,
                                format!("the instalments add up to {total}, not {net}"),
                                "instalments that add up to the contribution",
                            );
                            continue;
                        }
                        for (d, _, iat) in &instalments {
                            if d.financial_year() != year {
                                self.error(*iat, format!("instalment {d} is not in {year}"));
                            }
                        }
                        instalments
                            .iter()
                            .map(|(d, m, _)| Instalment {
                                date: *d,
                                amount: *m,
                            })
                            .collect()
                    } else {
                        let schedule = schedule.unwrap_or(Schedule::Annual);
                        if !remainder.fits(schedule) {
                            self.error_expected(
                                at,
                                format!(
                                    "the odd pence fall on instalment {}, and {} instalments are {}",
                                    remainder.word(),
                                    schedule.as_str(),
                                    schedule.count()
                                ),
                                "remainder first, last or a number within the schedule",
                            );
                            continue;
                        }
                        schedule_instalments(year, net, schedule, remainder)
                    };
                    let location = self.location(at);
                    self.ledger.contributions.push(Contribution {
                        year,
                        partner,
                        source,
                        amount,
                        client_income,
                        instalments: list,
                        location,
                    });
                }
                RawPlan::Forecast {
                    at,
                    year,
                    scheme,
                    source,
                    method,
                } => {
                    let (Some(scheme), Some(source)) = (
                        self.scheme_ref(&scheme.0, scheme.1),
                        self.source_ref(&source.0, source.1),
                    ) else {
                        continue;
                    };
                    if self
                        .ledger
                        .forecasts
                        .iter()
                        .any(|f| f.year == year && f.scheme == scheme && f.source == source)
                    {
                        self.error(at, "a second forecast for the same line and year");
                        continue;
                    }
                    self.ledger.forecasts.push(Forecast {
                        year,
                        scheme,
                        source,
                        method,
                    });
                }
                RawPlan::Commitment {
                    at,
                    date,
                    scheme,
                    source,
                    amount,
                    text,
                    cleared,
                } => {
                    let (Some(scheme), Some(source)) = (
                        self.scheme_ref(&scheme.0, scheme.1),
                        self.source_ref(&source.0, source.1),
                    ) else {
                        continue;
                    };
                    if let Some(problem) = self.line_problem(scheme, source) {
                        self.error(at, problem);
                        continue;
                    }
                    if cleared.is_some_and(|c| c < date) {
                        self.error(at, "the commitment is cleared before it is made");
                        continue;
                    }
                    self.ledger.commitments.push(Commitment {
                        date,
                        scheme,
                        source,
                        amount,
                        text,
                        cleared,
                    });
                }
                RawPlan::Virement {
                    at,
                    date,
                    amount,
                    from,
                    to,
                    reason,
                } => {
                    let f = (
                        self.scheme_ref(&from.0.0, from.0.1),
                        self.source_ref(&from.1.0, from.1.1),
                    );
                    let t = (
                        self.scheme_ref(&to.0.0, to.0.1),
                        self.source_ref(&to.1.0, to.1.1),
                    );
                    let ((Some(fs), Some(ff)), (Some(ts), Some(tf))) = (f, t) else {
                        continue;
                    };
                    if amount.is_negative() || amount.is_zero() {
                        self.error(at, "a virement moves a positive amount");
                        continue;
                    }
                    if self.line_problem(fs, ff).is_some() || self.line_problem(ts, tf).is_some() {
                        self.error(at, "a virement moves budget between lines whose schemes are funded by those sources");
                        continue;
                    }
                    self.ledger.virements.push(Virement {
                        date,
                        amount,
                        from: (fs, ff),
                        to: (ts, tf),
                        reason,
                    });
                }
                RawPlan::Assertion {
                    at,
                    date,
                    account,
                    amount,
                    partner,
                    scheme,
                    source,
                } => {
                    let p = match &partner {
                        Some((n, a)) => match self.partner_ref(n, *a) {
                            Some(i) => i,
                            None => continue,
                        },
                        None => NONE,
                    };
                    let s = match &scheme {
                        Some((n, a)) => match self.scheme_ref(n, *a) {
                            Some(i) => i,
                            None => continue,
                        },
                        None => NONE,
                    };
                    let f = match &source {
                        Some((n, a)) => match self.source_ref(n, *a) {
                            Some(i) => i,
                            None => continue,
                        },
                        None => NONE,
                    };
                    to_check.push((self.ledger.assertions.len(), at));
                    self.ledger.assertions.push(BalanceAssertion {
                        date,
                        account,
                        amount,
                        partner: p,
                        scheme: s,
                        source: f,
                    });
                }
            }
        }
        self.check_assertions(&to_check);
    }

    /// Checks balance assertions in one sweep: postings are added, in date
    /// order, to running balances by (account, partner, scheme, source)
    /// until each assertion's date, and the assertion sums the balances
    /// that match it. The cost is postings + assertions × balances kept,
    /// not postings × assertions.
    fn check_assertions(&mut self, to_check: &[(usize, At)]) {
        if to_check.is_empty() {
            return;
        }
        let mut pending: Vec<(usize, At)> = to_check.to_vec();
        pending.sort_by_key(|(i, _)| self.ledger.assertions[*i].date);
        let mut order: Vec<u32> = (0..self.ledger.transactions.len() as u32).collect();
        order.sort_by_key(|t| self.ledger.transactions[*t as usize].date);
        let mut running: FxHashMap<(Id, Id, Id, Id), Money> = FxHashMap::default();
        let mut next = 0;
        for (i, at) in pending {
            let a = &self.ledger.assertions[i];
            while next < order.len()
                && self.ledger.transactions[order[next] as usize].date <= a.date
            {
                let t = &self.ledger.transactions[order[next] as usize];
                for p in self.ledger.postings_of(t) {
                    *running
                        .entry((p.account, p.partner, p.scheme, p.source))
                        .or_default() += p.amount;
                }
                next += 1;
            }
            let under: Vec<bool> = self
                .ledger
                .accounts
                .iter()
                .map(|acc| crate::balances::is_under(&acc.name, &a.account))
                .collect();
            let actual: Money = running
                .iter()
                .filter(|((account, partner, scheme, source), _)| {
                    under[*account as usize]
                        && (a.partner == NONE || *partner == a.partner)
                        && (a.scheme == NONE || *scheme == a.scheme)
                        && (a.source == NONE || *source == a.source)
                })
                .map(|(_, m)| *m)
                .sum();
            if actual != a.amount {
                let (account, date, amount) = (a.account.clone(), a.date, a.amount);
                self.error_expected(
                    at,
                    format!("balance assertion failed: {account} is {actual} at the end of {date}, not {amount} (a difference of {})", actual - amount),
                    format!("{actual}"),
                );
            }
        }
    }

    /// Adds an amount's size to the ledger's running total, reporting (once)
    /// a ledger whose amounts together exceed what sums can hold exactly.
    pub(super) fn weigh(&mut self, m: Money, at: At) {
        self.magnitude += i128::from(m.pence()).abs();
        if self.magnitude > crate::money::MAX_LEDGER_TOTAL && !self.too_large {
            self.too_large = true;
            self.error_expected(
                at,
                "the ledger's amounts, added up regardless of sign, exceed £10,000,000,000,000,000.00: its sums could not be exact",
                "a ledger whose amounts add up to less",
            );
        }
    }

    /// Why (scheme, source) is not a line of the pool, if it is not.
    fn line_problem(&self, scheme: Id, source: Id) -> Option<String> {
        let s = &self.ledger.schemes[scheme as usize];
        (!s.sources.contains(&source)).then(|| {
            format!(
                "scheme '{}' is not funded by source '{}'",
                s.id, self.ledger.sources[source as usize].id
            )
        })
    }
}
