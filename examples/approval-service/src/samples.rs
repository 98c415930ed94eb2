//! The financial-approval story's morning batch as requests, each with the
//! decision the story's rules give it: the warm-up, the load test's mix
//! (6 approve, 4 review, 2 reject) and a check that the service decides as
//! the story does.

use crate::api::{Channel, DecisionRequest, History, Recent};

/// A payment of the batch and the decision the rules give it.
struct Row {
    id: &'static str,
    merchant: &'static str,
    amount_cents: u64,
    channel: Channel,
    country: &'static str,
    /// (payments, total in cents) in the last 24 h.
    history: (u32, u64),
    /// (merchant, amount in cents, minutes ago)
    recent: &'static [(&'static str, u64, u32)],
    expect: &'static str,
}

const fn pay(
    id: &'static str,
    merchant: &'static str,
    amount_cents: u64,
    channel: Channel,
    country: &'static str,
    history: (u32, u64),
    expect: &'static str,
) -> Row {
    Row { id, merchant, amount_cents, channel, country, history, recent: &[], expect }
}

// Money in cents grouped as euros and cents, as in financial-approval.
#[allow(clippy::inconsistent_digit_grouping)]
const MORNING: [Row; 12] = {
    use Channel::{Card, Cash, Transfer};
    [
        pay("T-01", "corner coffee", 4_50, Card, "DE", (2, 120_00), "approve"),
        pay("T-02", "office supplies", 310_00, Card, "DE", (3, 900_00), "approve"),
        pay("T-03", "hotel lisboa", 1_240_00, Card, "PT", (1, 200_00), "approve"),
        pay("T-04", "electronics shop", 89_00, Transfer, "KP", (0, 0), "reject"),
        pay("T-05", "atm hauptbahnhof", 4_000_00, Cash, "DE", (3, 9_000_00), "review"),
        Row {
            recent: &[("streaming service", 12_99, 2), ("bakery", 3_80, 95)],
            ..pay("T-06", "streaming service", 12_99, Card, "IE", (4, 300_00), "review")
        },
        pay("T-07", "groceries", 65_00, Card, "DE", (8, 1_900_00), "review"),
        pay("T-08", "car dealer", 12_500_00, Transfer, "DE", (1, 500_00), "review"),
        pay("T-09", "atm dubai mall", 6_000_00, Cash, "AE", (1, 40_00), "reject"),
        pay("T-10", "landlord", 1_450_00, Transfer, "DE", (5, 2_100_00), "approve"),
        pay("T-11", "furniture store", 1_100_00, Card, "DE", (6, 14_200_00), "review"),
        pay("T-12", "bookshop", 23_90, Card, "FR", (1, 15_00), "approve"),
    ]
};

/// The morning's payments, in order, each with its expected decision
/// (`approve`, `review` or `reject`).
pub fn morning() -> Vec<(DecisionRequest, &'static str)> {
    MORNING
        .iter()
        .map(|row| {
            let recent = row
                .recent
                .iter()
                .map(|&(merchant, amount_cents, minutes_ago)| Recent {
                    merchant: merchant.to_owned(),
                    amount_cents,
                    minutes_ago,
                })
                .collect();
            let (count_24h, total_24h_cents) = row.history;
            let request = DecisionRequest {
                id: Some(row.id.to_owned()),
                merchant: row.merchant.to_owned(),
                amount_cents: row.amount_cents,
                channel: row.channel,
                country: row.country.to_owned(),
                history: History { count_24h, total_24h_cents, recent },
            };
            (request, row.expect)
        })
        .collect()
}
