//! Act 5: a morning's payments through the production flow, every run
//! recorded.

use std::error::Error;
use std::fmt;
use std::io::Write;
use std::time::Instant;

use logos_runtime::{ExecId, Value};

use crate::bank::World;
use crate::rules::FLOW;
use crate::text::{eur, paragraph};

/// What `decide` concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Paid without a human look.
    Approve,
    /// Held for a human.
    Review,
    /// Refused.
    Reject,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Approve => "approve",
            Self::Review => "review",
            Self::Reject => "reject",
        })
    }
}

/// One payment's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    /// The payment's id (`T-01`...).
    pub id: String,
    /// The decision.
    pub decision: Decision,
    /// The risk score.
    pub score: u32,
    /// Why, in `decide`'s words (empty for a plain approval).
    pub reasons: Vec<String>,
    /// The execution record of the run.
    pub record: Option<ExecId>,
}

/// A payment as the bank's systems hand it over: the transaction, and the
/// account's last 24 hours.
struct Payment {
    id: &'static str,
    merchant: &'static str,
    amount_cents: u64,
    channel: &'static str,
    country: &'static str,
    count_24h: u32,
    total_24h_cents: u64,
    /// (merchant, amount in cents, minutes ago)
    recent: &'static [(&'static str, u64, u32)],
}

const fn pay(
    id: &'static str,
    merchant: &'static str,
    amount_cents: u64,
    channel: &'static str,
    country: &'static str,
    (count_24h, total_24h_cents): (u32, u64),
) -> Payment {
    Payment { id, merchant, amount_cents, channel, country, count_24h, total_24h_cents, recent: &[] }
}

/// The morning's payments: (payments, total) in the last 24 h per account.
const MORNING: [Payment; 12] = [
    pay("T-01", "corner coffee", 4_50, "Card", "DE", (2, 120_00)),
    pay("T-02", "office supplies", 310_00, "Card", "DE", (3, 900_00)),
    pay("T-03", "hotel lisboa", 1_240_00, "Card", "PT", (1, 200_00)),
    pay("T-04", "electronics shop", 89_00, "Transfer", "KP", (0, 0)),
    pay("T-05", "atm hauptbahnhof", 4_000_00, "Cash", "DE", (3, 9_000_00)),
    Payment {
        recent: &[("streaming service", 12_99, 2), ("bakery", 3_80, 95)],
        ..pay("T-06", "streaming service", 12_99, "Card", "IE", (4, 300_00))
    },
    pay("T-07", "groceries", 65_00, "Card", "DE", (8, 1_900_00)),
    pay("T-08", "car dealer", 12_500_00, "Transfer", "DE", (1, 500_00)),
    pay("T-09", "atm dubai mall", 6_000_00, "Cash", "AE", (1, 40_00)),
    pay("T-10", "landlord", 1_450_00, "Transfer", "DE", (5, 2_100_00)),
    pay("T-11", "furniture store", 1_100_00, "Card", "DE", (6, 14_200_00)),
    pay("T-12", "bookshop", 23_90, "Card", "FR", (1, 15_00)),
];

/// The id of the payment the audit replays: the one the migration changed.
pub(crate) const AUDITED: &str = "T-05";

/// Runs the morning's payments through production and prints the decisions.
pub(crate) fn run(out: &mut dyn Write, world: &World) -> Result<Vec<Decided>, Box<dyn Error>> {
    writeln!(out, "5. A morning's payments go through production")?;
    paragraph(
        out,
        &format!(
            "The host runs {FLOW} on {} payments. Every run is recorded: which graph version ran, \
             each node's input and output digests, its fuel.",
            MORNING.len()
        ),
    )?;
    writeln!(
        out,
        "   {:<5} {:<17} {:>9}  {:<8} {:<7} {:>5}  {:<8}  reasons",
        "txn", "merchant", "amount", "channel", "country", "score", "decision"
    )?;
    let host = world.sup.host();
    let mut decided = Vec::with_capacity(MORNING.len());
    let started = Instant::now();
    let (mut steps, mut first) = (0, None);
    for (minute, p) in (60..).zip(&MORNING) {
        world.at(minute);
        let run = host.run_with(FLOW, &[transaction(p), history(p)], Some(true))?;
        steps = run.steps.len();
        let d = decision(p.id, &run.outputs, run.record)?;
        if first.is_none() {
            first = Some(started.elapsed());
        }
        let row = format!(
            "   {:<5} {:<17} {:>9}  {:<8} {:<7} {:>5}  {:<8}  ",
            p.id,
            p.merchant,
            eur(p.amount_cents),
            p.channel.to_lowercase(),
            p.country,
            d.score,
            d.decision,
        );
        let mut reasons = d.reasons.iter();
        writeln!(out, "{}", format!("{row}{}", reasons.next().map_or("", String::as_str)).trim_end())?;
        for reason in reasons {
            writeln!(out, "{:width$}{reason}", "", width = row.chars().count())?;
        }
        decided.push(d);
    }
    let first = first.unwrap_or_default();
    let rest = started.elapsed().saturating_sub(first);
    let tally = |which| decided.iter().filter(|d| d.decision == which).count();
    writeln!(
        out,
        "   {} approved, {} for review, {} rejected; {} runs of {steps} nodes, all recorded.",
        tally(Decision::Approve),
        tally(Decision::Review),
        tally(Decision::Reject),
        decided.len(),
    )?;
    let per_run = rest.as_secs_f64() * 1000.0 / decided.len().saturating_sub(1).max(1) as f64;
    paragraph(
        out,
        &format!(
            "The first run took {:.1} s: wasmtime compiles each module to native code once. \
             The others took {per_run:.1} ms each.",
            first.as_secs_f64()
        ),
    )?;
    writeln!(out)?;
    Ok(decided)
}

fn record(fields: Vec<(&str, Value)>) -> Value {
    Value::Record(fields.into_iter().map(|(name, value)| (name.to_owned(), value)).collect())
}

fn text(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// `intake.txn`: record{amount_cents, channel, country, merchant}.
fn transaction(p: &Payment) -> Value {
    record(vec![
        ("amount_cents", Value::U64(p.amount_cents)),
        ("channel", Value::Enum(p.channel.to_owned())),
        ("country", text(p.country)),
        ("merchant", text(p.merchant)),
    ])
}

/// `intake.history`: record{count_24h, total_24h_cents, recent}.
fn history(p: &Payment) -> Value {
    let recent = p
        .recent
        .iter()
        .map(|(merchant, cents, minutes)| {
            record(vec![
                ("merchant", text(merchant)),
                ("amount_cents", Value::U64(*cents)),
                ("minutes_ago", Value::U32(*minutes)),
            ])
        })
        .collect();
    record(vec![
        ("count_24h", Value::U32(p.count_24h)),
        ("total_24h_cents", Value::U64(p.total_24h_cents)),
        ("recent", Value::List(recent)),
    ])
}

/// Reads the production flow's outputs (decision, reasons, score) as the
/// decision on payment `id`; an error names the flow and what it returned.
pub fn decision(id: &str, outputs: &[Value], record: Option<ExecId>) -> Result<Decided, Box<dyn Error>> {
    let unexpected = || format!("{FLOW} returned {outputs:?} for {id}");
    let [Value::Enum(decision), Value::List(reasons), Value::U32(score)] = outputs else {
        return Err(unexpected().into());
    };
    let decision = match decision.as_str() {
        "Approve" => Decision::Approve,
        "Review" => Decision::Review,
        "Reject" => Decision::Reject,
        _ => return Err(unexpected().into()),
    };
    let reasons = reasons
        .iter()
        .map(|r| match r {
            Value::String(s) => Ok(s.clone()),
            _ => Err(unexpected()),
        })
        .collect::<Result<_, _>>()?;
    Ok(Decided { id: id.to_owned(), decision, score: *score, reasons, record })
}
