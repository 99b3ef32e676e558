//! The ledger as loaded: declarations, plans and postings, every reference
//! resolved to an index.

use oneplace_core::{Date, FinancialYear, Location, Money};
use serde::Serialize;

/// Index of a partner, scheme, source or account in its table.
pub type Id = u32;

/// "No scheme" or "no source" on a posting.
pub const NONE: Id = u32::MAX;

#[derive(Clone, Debug, Serialize)]
pub struct Place {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VatRecovery {
    Full,
    Partial,
    None,
}

#[derive(Clone, Debug, Serialize)]
pub struct Partner {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub host: bool,
    pub vat_recovery: VatRecovery,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    S75Pooled,
    LeadCommissioning,
    Aligned,
    S256Transfer,
    S76Transfer,
    RingFencedGrant,
}

impl Basis {
    pub const ALL: [(&'static str, Basis); 6] = [
        ("s75-pooled", Basis::S75Pooled),
        ("lead-commissioning", Basis::LeadCommissioning),
        ("aligned", Basis::Aligned),
        ("s256-transfer", Basis::S256Transfer),
        ("s76-transfer", Basis::S76Transfer),
        ("ring-fenced-grant", Basis::RingFencedGrant),
    ];
}

#[derive(Clone, Debug, Serialize)]
pub struct Fund {
    pub id: String,
    pub name: String,
    pub basis: Basis,
    pub host: Option<Id>,
    /// Variances are material above the greater of these.
    pub materiality_amount: Money,
    pub materiality_percent: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Source {
    pub id: String,
    pub name: String,
    /// Partners that pay it in.
    pub from: Vec<Id>,
    /// Scheme types it may fund; empty: any.
    pub ring_fence: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Scheme {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// (partner, share in basis points: 10,000 = 100%)
    pub commissioners: Vec<(Id, u32)>,
    pub provider: Option<String>,
    pub sources: Vec<Id>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum YearState {
    Open,
    Closed,
}

/// Monthly budget of one line (scheme, source) in one year.
#[derive(Clone, Debug, Serialize)]
pub struct Budget {
    pub year: FinancialYear,
    pub scheme: Id,
    pub source: Id,
    pub annual: Money,
    /// April first; sums to `annual` exactly.
    pub monthly: [Money; 12],
    #[serde(skip)]
    pub location: Location,
}

#[derive(Clone, Debug, Serialize)]
pub struct Instalment {
    pub date: Date,
    pub amount: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct Contribution {
    pub year: FinancialYear,
    pub partner: Id,
    pub source: Id,
    /// The gross contribution.
    pub amount: Money,
    /// Charges to service users towards the same services: the partner pays
    /// the contribution net of them.
    pub client_income: Money,
    /// Instalments of the net contribution.
    pub instalments: Vec<Instalment>,
    #[serde(skip)]
    pub location: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "method", content = "outturn", rename_all = "kebab-case")]
pub enum ForecastMethod {
    /// The rest of the year at the profiled budget.
    Profile,
    /// The rest of the year at the average monthly spend so far.
    RunRate,
    /// A stated outturn.
    Manual(Money),
}

#[derive(Clone, Debug, Serialize)]
pub struct Forecast {
    pub year: FinancialYear,
    pub scheme: Id,
    pub source: Id,
    pub method: ForecastMethod,
}

#[derive(Clone, Debug, Serialize)]
pub struct Commitment {
    pub date: Date,
    pub scheme: Id,
    pub source: Id,
    pub amount: Money,
    pub text: String,
    pub cleared: Option<Date>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Virement {
    pub date: Date,
    pub amount: Money,
    pub from: (Id, Id),
    pub to: (Id, Id),
    pub reason: String,
}

/// The five roots every account sits under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Root {
    Assets,
    Liabilities,
    Equity,
    Income,
    Expenditure,
}

impl Root {
    pub fn parse(name: &str) -> Option<Root> {
        match name {
            "assets" => Some(Root::Assets),
            "liabilities" => Some(Root::Liabilities),
            "equity" => Some(Root::Equity),
            "income" => Some(Root::Income),
            "expenditure" => Some(Root::Expenditure),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Account {
    pub name: String,
    pub root: Root,
}

/// One posting: 24 bytes, so a million fit in 24 MB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Posting {
    pub account: Id,
    pub partner: Id,
    /// [`NONE`] when not given.
    pub scheme: Id,
    pub source: Id,
    pub amount: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct Transaction {
    pub date: Date,
    pub description: String,
    pub reference: Option<String>,
    /// Its postings: `ledger.postings[first..first + count]`.
    pub first: u32,
    pub count: u32,
    #[serde(skip)]
    pub line: u32,
    #[serde(skip)]
    pub file: u16,
}

#[derive(Clone, Debug, Serialize)]
pub struct BalanceAssertion {
    pub date: Date,
    pub account: String,
    pub amount: Money,
    pub partner: Id,
    pub scheme: Id,
    pub source: Id,
}

/// A loaded, validated ledger.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Ledger {
    pub place: Option<Place>,
    pub partners: Vec<Partner>,
    pub funds: Vec<Fund>,
    pub sources: Vec<Source>,
    pub schemes: Vec<Scheme>,
    pub years: Vec<(FinancialYear, YearState)>,
    pub budgets: Vec<Budget>,
    pub contributions: Vec<Contribution>,
    pub forecasts: Vec<Forecast>,
    pub commitments: Vec<Commitment>,
    pub virements: Vec<Virement>,
    pub accounts: Vec<Account>,
    pub transactions: Vec<Transaction>,
    pub postings: Vec<Posting>,
    pub assertions: Vec<BalanceAssertion>,
    /// The files read, in order (indexes of [`Transaction::file`]).
    pub files: Vec<String>,
}

impl Ledger {
    pub fn partner(&self, id: &str) -> Option<Id> {
        self.partners
            .iter()
            .position(|p| p.id == id)
            .map(|i| i as Id)
    }

    pub fn scheme(&self, id: &str) -> Option<Id> {
        self.schemes
            .iter()
            .position(|p| p.id == id)
            .map(|i| i as Id)
    }

    pub fn source(&self, id: &str) -> Option<Id> {
        self.sources
            .iter()
            .position(|p| p.id == id)
            .map(|i| i as Id)
    }

    pub fn host(&self) -> Option<Id> {
        self.partners.iter().position(|p| p.host).map(|i| i as Id)
    }

    /// The postings of a transaction.
    pub fn postings_of(&self, t: &Transaction) -> &[Posting] {
        &self.postings[t.first as usize..(t.first + t.count) as usize]
    }

    /// The materiality rule of the (first) fund.
    pub fn materiality(&self) -> (Money, f64) {
        self.funds.first().map_or((Money::ZERO, 0.0), |f| {
            (f.materiality_amount, f.materiality_percent)
        })
    }
}
