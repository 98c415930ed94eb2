//! Acts 3 and 4: an AI agent drafts a rule change, tries it in a sandbox, is
//! refused when it reaches for the locked rules, then proposes a migration
//! that two of the three humans approve.

use std::error::Error;
use std::io::Write;

use logos_runtime::layers::compile::Compiler;
use logos_runtime::{
    Approval, Edge, Event, Flow, GraphStore, NodeId, Operation, PortRef, SupervisorError, SupervisorEvent,
    Value,
};

use crate::bank::{DAY, World};
use crate::rules::{Rules, Tally, compile};
use crate::text::{eur, indented, paragraph};

/// The agent's name (`agent:rule-writer` in the ledger).
pub(crate) const AGENT: &str = "rule-writer";
const SANDBOX: &str = "try-cash-limit";

/// The agent's draft and what became of its attempts.
#[derive(Debug)]
pub(crate) struct Draft {
    pub node: NodeId,
    pub sandbox_flags: Vec<Option<String>>,
    pub refusals: Vec<SupervisorError>,
}

/// Act 3: the draft, its sandbox runs, and the refused shortcuts.
pub(crate) fn draft(
    out: &mut dyn Write,
    world: &World,
    rules: &Rules,
    compiler: &Compiler,
    tally: &mut Tally,
) -> Result<Draft, Box<dyn Error>> {
    world.at(30);
    writeln!(out, "3. An AI agent drafts a rule change")?;
    paragraph(
        out,
        "agent:rule-writer rewrites amount-limit so that cash is held to a quarter of the limit \
         instead of half. Its node lands in sediment: a private draft that only the agent and the \
         host can see, link or run.",
    )?;
    let agent = world.sup.agent(AGENT)?;
    let compiled =
        compile(out, compiler, "amount-limit-v2", include_str!("../nodes/amount-limit-v2.rs"), tally)?;
    let node = agent.add_node(&compiled.wasm, &compiled.manifest)?.id;

    writeln!(out, "   It tries the draft in a sandbox flow, on its own daily quota:")?;
    let sandbox = Flow::new(
        SANDBOX,
        vec![
            PortRef::new(node, "amount_cents"),
            PortRef::new(node, "channel"),
            PortRef::new(node, "max_amount_cents"),
        ],
        vec![PortRef::new(node, "flag")],
    );
    agent.define_flow(&sandbox)?;
    let limit = 10_000_00;
    let mut sandbox_flags = Vec::new();
    for (amount, channel) in [(4_000_00, "Cash"), (4_000_00, "Card")] {
        let run =
            agent.run(SANDBOX, &[Value::U64(amount), Value::Enum(channel.into()), Value::U64(limit)])?;
        let unexpected = || format!("{SANDBOX} returned {:?}", run.outputs);
        let flag = match run.outputs.as_slice() {
            [Value::Option(None)] => None,
            [Value::Option(Some(text))] => match text.as_ref() {
                Value::String(s) => Some(s.clone()),
                _ => return Err(unexpected().into()),
            },
            _ => return Err(unexpected().into()),
        };
        let what = format!("{} {} (limit {})", eur(amount), channel.to_lowercase(), eur(limit));
        writeln!(out, "     {what:<32} → {}", flag.as_deref().unwrap_or("no flag"))?;
        sandbox_flags.push(flag);
    }
    // Its sandbox flow feeds the draft's inputs from outside; once the draft
    // is wired into production those inputs are taken, so it goes.
    agent.remove_flow(SANDBOX)?;

    writeln!(out, "   Then it tries two shortcuts into production. The ledger refuses both:")?;
    let before = world.sup.store().head()?;
    let mut refusals = Vec::new();
    let into_decide = Edge::new(PortRef::new(node, "flag"), PortRef::new(rules.decide, "amount_flag"));
    let attempt = agent.link(&into_decide).map(drop);
    refuse(out, world, "link its draft into decide", attempt, &mut refusals)?;
    let migrate = Event::Migrated { from: rules.amount_limit, to: node };
    let unsigned = world.token(Operation::Migrate { from: rules.amount_limit, to: node }, &[])?;
    let attempt = agent.govern(migrate, &unsigned).map(drop);
    refuse(out, world, "swap amount-limit for its draft, unsigned", attempt, &mut refusals)?;
    if world.sup.store().head()? != before {
        return Err("a refused attempt still changed the ledger".into());
    }
    let reported = world.events.try_iter().filter(|e| matches!(e, SupervisorEvent::Refused { .. })).count();
    writeln!(
        out,
        "   Nothing was written, and the host heard of both on its event stream ({reported} refusals).\n"
    )?;
    Ok(Draft { node, sandbox_flags, refusals })
}

/// Writes a refused attempt, or fails the story if it was accepted.
fn refuse(
    out: &mut dyn Write,
    world: &World,
    what: &str,
    attempt: Result<(), SupervisorError>,
    refusals: &mut Vec<SupervisorError>,
) -> Result<(), Box<dyn Error>> {
    match attempt {
        Ok(()) => Err(format!("the ledger let the agent {what}").into()),
        Err(e) => {
            writeln!(out, "     ✗ {what}")?;
            indented(out, 7, &world.plain(&e.to_string()))?;
            refusals.push(e);
            Ok(())
        }
    }
}

/// Act 4: the proposal and the two approvals that apply it.
pub(crate) fn migrate(
    out: &mut dyn Write,
    world: &World,
    rules: &Rules,
    draft: &Draft,
) -> Result<Vec<Approval>, Box<dyn Error>> {
    world.at(45);
    writeln!(out, "4. Two humans approve the change")?;
    paragraph(
        out,
        "The agent proposes a migration instead: amount-limit-v2 replaces amount-limit. It has the \
         same ports, so every edge and flow can move to it. Nothing changes until two approvers sign.",
    )?;
    let (from, to) = (rules.amount_limit, draft.node);
    let proposal = world.sup.agent(AGENT)?.propose(Operation::Migrate { from, to }, DAY)?;
    let label = format!("proposal #{proposal}");
    writeln!(out, "   {label:<13} migrate amount-limit {} → amount-limit-v2 {}", from.short(), to.short())?;
    writeln!(out, "   {:<13} opened by agent:{AGENT}, valid for 24 h", "")?;
    let mut approvals = Vec::new();
    for (person, minutes) in [(&world.people[0], 50), (&world.people[1], 52)] {
        world.at(minutes);
        let approval = world.sup.approve(proposal, &person.key)?;
        let result = match approval {
            Approval::Pending { have, need } => format!("pending, {have} of {need} signatures"),
            Approval::Applied { seq } => format!("applied as ledger entry {seq}"),
            Approval::Ready => "quorum reached".to_owned(),
        };
        writeln!(out, "   {:<13} approves: {result}", person.name)?;
        approvals.push(approval);
    }
    let state = world.sup.state();
    let (old, new) = (state.status.get(&from), state.status.get(&to));
    if !(old.is_some_and(|s| s.deprecated) && new.is_some_and(|s| s.bedrock)) {
        return Err("the approved migration did not take effect".into());
    }
    paragraph(
        out,
        "amount-limit-v2 is now bedrock, wired where amount-limit was; amount-limit is deprecated, \
         kept in the ledger, never deleted.",
    )?;
    writeln!(out)?;
    Ok(approvals)
}
