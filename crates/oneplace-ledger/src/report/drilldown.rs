//! The postings behind a monitoring figure's actual to date: a line's
//! (scheme and source), a scheme's, a partner's, or the pool's.
//!
//! The postings are the expenditure postings of the year up to the end of
//! the period on the line, the scheme, or every line a partner
//! commissions. A partner's actual is each line's actual shared by the
//! commissioning split with the same largest-remainder allocation the
//! monitoring report uses, so the drill-down's figure equals the report's
//! (property-tested for random ledgers); the report's own figure is
//! returned beside it.

use oneplace_core::{Money, Period, allocate_weights};
use serde::Serialize;

use crate::model::{Ledger, NONE, Root};
use crate::report::monitoring::Monitoring;

/// Which figure to open: a line (`scheme` and `source`), a scheme, a
/// partner, or (nothing given) the pool's total.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter<'a> {
    pub scheme: Option<&'a str>,
    pub source: Option<&'a str>,
    pub partner: Option<&'a str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PostingRow {
    pub date: String,
    pub description: String,
    pub reference: Option<String>,
    /// The partner whose ledger the posting came from.
    pub partner: String,
    pub scheme: String,
    pub source: String,
    pub account: String,
    pub amount: Money,
}

/// A partner's share of one line's actual to date.
#[derive(Clone, Debug, Serialize)]
pub struct LineShare {
    pub scheme: String,
    pub source: String,
    pub actual: Money,
    /// The partner's commissioning share, in percent.
    pub share_percent: f64,
    pub share: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct Drill {
    pub period: String,
    pub scheme: Option<String>,
    pub source: Option<String>,
    pub partner: Option<String>,
    /// What is listed, in words.
    pub title: String,
    pub postings: Vec<PostingRow>,
    /// The sum of the postings listed.
    pub postings_total: Money,
    /// For a partner: each line it commissions, with its share.
    pub shares: Vec<LineShare>,
    /// The figure the postings make: the postings' total, or for a partner
    /// the sum of its shares.
    pub actual: Money,
    /// The monitoring report's actual to date for the same line, scheme,
    /// partner or total.
    pub report_actual: Money,
}

/// The postings behind a figure, or why there are none to show (an unknown
/// scheme, source or partner, a source without its scheme, or a partner
/// with a scheme).
pub fn drilldown<'a>(ledger: &Ledger, m: &Monitoring, q: &Filter<'a>) -> Result<Drill, String> {
    let period = Period::parse(&m.period).map_err(|e| format!("period: {e}"))?;
    let (start, end) = (period.year().first_day(), period.last_day());
    let given = |v: Option<&'a str>| v.map(str::trim).filter(|s| !s.is_empty());
    let scheme = given(q.scheme);
    let source = given(q.source);
    let partner = given(q.partner);
    let scheme_id = scheme
        .map(|s| {
            ledger
                .scheme(s)
                .ok_or(format!("no scheme {s} in this pool"))
        })
        .transpose()?;
    let source_id = source
        .map(|s| {
            ledger
                .source(s)
                .ok_or(format!("no funding source {s} in this pool"))
        })
        .transpose()?;
    let partner_id = partner
        .map(|p| {
            ledger
                .partner(p)
                .ok_or(format!("no partner {p} in this pool"))
        })
        .transpose()?;
    if partner_id.is_some() && (scheme_id.is_some() || source_id.is_some()) {
        return Err("name a partner, or a scheme (and source), not both".into());
    }
    if source_id.is_some() && scheme_id.is_none() {
        return Err("a funding source needs its scheme".into());
    }
    // For a partner: the share of each line it commissions, in basis points.
    let commissioned = |s: u32| -> Option<(usize, Vec<i64>)> {
        let pid = partner_id?;
        let split = &ledger.schemes[s as usize].commissioners;
        let i = split.iter().position(|(p, _)| *p == pid)?;
        Some((i, split.iter().map(|(_, bp)| i64::from(*bp)).collect()))
    };
    let keep = |s: u32, f: u32| match (partner_id, scheme_id, source_id) {
        (Some(_), _, _) => commissioned(s).is_some(),
        (None, Some(sc), Some(so)) => s == sc && f == so,
        (None, Some(sc), None) => s == sc,
        (None, None, _) => true,
    };
    let name = |v: &[String], i: u32| {
        if i == NONE {
            String::new()
        } else {
            v[i as usize].clone()
        }
    };
    let partners: Vec<String> = ledger.partners.iter().map(|p| p.id.clone()).collect();
    let schemes: Vec<String> = ledger.schemes.iter().map(|p| p.id.clone()).collect();
    let sources: Vec<String> = ledger.sources.iter().map(|p| p.id.clone()).collect();
    let mut postings = Vec::new();
    // Each (scheme, source) line's actual, for a partner's shares.
    let mut lines: Vec<((u32, u32), Money)> = Vec::new();
    for t in &ledger.transactions {
        if t.date < start || t.date > end {
            continue;
        }
        for p in ledger.postings_of(t) {
            let account = &ledger.accounts[p.account as usize];
            if account.root != Root::Expenditure || !keep(p.scheme, p.source) {
                continue;
            }
            match lines.iter_mut().find(|(k, _)| *k == (p.scheme, p.source)) {
                Some((_, total)) => *total += p.amount,
                None => lines.push(((p.scheme, p.source), p.amount)),
            }
            postings.push(PostingRow {
                date: t.date.to_string(),
                description: t.description.clone(),
                reference: t.reference.clone(),
                partner: name(&partners, p.partner),
                scheme: name(&schemes, p.scheme),
                source: name(&sources, p.source),
                account: account.name.clone(),
                amount: p.amount,
            });
        }
    }
    lines.sort_by_key(|(k, _)| *k);
    let postings_total: Money = postings.iter().map(|p| p.amount).sum();
    let mut shares = Vec::new();
    for ((s, f), actual) in &lines {
        if let Some((i, weights)) = commissioned(*s) {
            let parts = allocate_weights(*actual, &weights).map_err(|e| e.to_string())?;
            shares.push(LineShare {
                scheme: name(&schemes, *s),
                source: name(&sources, *f),
                actual: *actual,
                share_percent: weights[i] as f64 / 100.0,
                share: parts[i],
            });
        }
    }
    let actual = if partner_id.is_some() {
        shares.iter().map(|s| s.share).sum()
    } else {
        postings_total
    };
    let (title, report_actual) = match (partner, scheme, source) {
        (Some(p), _, _) => (
            format!("Postings behind {p}'s actual to date"),
            m.partners
                .iter()
                .find(|r| r.id == p)
                .map_or(Money::ZERO, |r| r.figures.actual),
        ),
        (None, Some(s), Some(f)) => (
            format!("Postings behind the line {s}, {f}"),
            m.lines
                .iter()
                .find(|l| l.scheme == s && l.source == f)
                .map_or(Money::ZERO, |l| l.figures.actual),
        ),
        (None, Some(s), None) => (
            format!("Postings behind the scheme {s}"),
            m.schemes
                .iter()
                .find(|r| r.id == s)
                .map_or(Money::ZERO, |r| r.figures.actual),
        ),
        (None, None, _) => (
            "Postings behind the pool's actual to date".to_string(),
            m.total.actual,
        ),
    };
    Ok(Drill {
        period: m.period.clone(),
        scheme: scheme.map(str::to_string),
        source: source.map(str::to_string),
        partner: partner.map(str::to_string),
        title,
        postings,
        postings_total,
        shares,
        actual,
        report_actual,
    })
}
