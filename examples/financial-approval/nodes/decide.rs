//! The decision: approve, send to a human for review, or reject, with the
//! reasons. Sanctions always reject; the risk score is compared with the
//! thresholds it receives; any other flag sends the payment to review.
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Decision {
    Approve,
    Review,
    Reject,
}

#[derive(Serialize, Deserialize)]
pub struct Input {
    pub amount_flag: Option<String>,
    pub sanctions_flag: Option<String>,
    pub velocity_flag: Option<String>,
    pub duplicate_flag: Option<String>,
    pub score: u32,
    pub factors: Vec<String>,
    pub review_at: u32,
    pub reject_at: u32,
}

#[derive(Serialize, Deserialize)]
pub struct Output {
    pub decision: Decision,
    pub reasons: Vec<String>,
}

pub fn execute(input: Input) -> Output {
    let mut decision = Decision::Approve;
    let mut reasons = Vec::new();
    if let Some(flag) = input.sanctions_flag {
        decision = Decision::Reject;
        reasons.push(flag);
    }
    if input.score >= input.review_at {
        let verdict = if input.score >= input.reject_at { Decision::Reject } else { Decision::Review };
        decision = decision.max(verdict);
        reasons.push(format!("risk {}: {}", input.score, input.factors.join(", ")));
    }
    for flag in [input.amount_flag, input.velocity_flag, input.duplicate_flag].into_iter().flatten() {
        decision = decision.max(Decision::Review);
        reasons.push(flag);
    }
    Output { decision, reasons }
}
